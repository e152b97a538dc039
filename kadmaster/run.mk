# `make run`: one node on defaults, in the foreground, from the build
# tree (the workers are taken from $(B) rather than LIBEXECDIR).
run: all
	@echo "kad: starting a node in the foreground (Ctrl-C stops it)."
	@echo "kad: in another terminal: $(B)/kadctl status"
	@exec $(B)/kadmaster -d -o libexec=$(CURDIR)/$(B) $(RUN_ARGS)

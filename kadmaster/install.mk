# `make install`: binaries, workers under LIBEXECDIR, man pages, the
# systemd unit, and (when installing into the live system, DESTDIR
# empty, as root) the unprivileged users and the state directories.
INSTALL		?= install

install: all
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(UNITDIR)
	$(INSTALL) -m 755 $(addprefix $(B)/,$(SBIN_BINS)) $(DESTDIR)$(SBINDIR)
	$(INSTALL) -m 755 $(addprefix $(B)/,$(LIBEXEC_BINS)) \
	    $(DESTDIR)$(LIBEXECDIR)
	$(INSTALL) -m 644 docs/man/kadmaster.8 docs/man/kadctl.8 \
	    $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 644 docs/man/kad.conf.5 $(DESTDIR)$(MANDIR)/man5
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' docs/kad.service.in \
	    >$(DESTDIR)$(UNITDIR)/kad.service
	chmod 644 $(DESTDIR)$(UNITDIR)/kad.service
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
		for u in _kadnet _kadstore _kadcrypt; do \
			id $$u >/dev/null 2>&1 || useradd --system \
			    --no-create-home --home-dir /nonexistent \
			    --shell /usr/sbin/nologin $$u; \
		done; \
		$(INSTALL) -d -m 700 -o root -g root $(LOCALSTATEDIR)/kad; \
		$(INSTALL) -d -m 755 -o root -g root $(LOCALSTATEDIR)/kad/empty; \
		$(INSTALL) -d -m 755 -o root -g root $(LOCALSTATEDIR)/kad/store; \
		$(INSTALL) -d -m 700 -o _kadstore -g _kadstore \
		    $(LOCALSTATEDIR)/kad/store/db; \
		echo "kad: users and $(LOCALSTATEDIR)/kad ready"; \
	else \
		echo "kad: DESTDIR set or not root: create the users" \
		    "_kadnet _kadstore _kadcrypt and $(LOCALSTATEDIR)/kad" \
		    "at package install time"; \
	fi

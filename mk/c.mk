# libERPOps (ffi-c): C suite, valgrind, header, pkg-config, install, benchmark.

.PHONY: deps-apt test-c test-cobol header pkgconfig install-c bench-c

LIBDIR := $(TARGET_DIR)/debug
VECTOR_TSV := $(TARGET_DIR)/vectors
CFLAGS_TEST := -std=c11 -Wall -Wextra -Werror -O1 -g
C_SUITE := tests/c/test_erpops.c tests/c/receive_vectors.c
VALGRIND := valgrind -q --error-exitcode=9 --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all
PREFIX ?= /usr/local
# The ABI generation (ffi-c/build.rs): libERPOps.so's SONAME is libERPOps.so.$(ERPOPS_ABI).
ERPOPS_ABI := $(shell sed -n 's/^const ABI_VERSION: u32 = \([0-9]*\);$$/\1/p' ffi-c/build.rs)

TEST_SUITES += test-c test-cobol

## Debian packages the suites need, installed only when missing (CI starts fresh).
deps-apt:
	@missing=""; \
	command -v valgrind >/dev/null || missing="$$missing valgrind"; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v cobc >/dev/null || missing="$$missing gnucobol3"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

## libERPOps: C suite linked statically and dynamically (via erpops.pc), both under valgrind.
test-c: deps-apt pkgconfig
	$(PYTHON) tests/vectors/generate/tsv.py $(VECTOR_TSV)
	@# The shared library exports erpops_* symbols and nothing else.
	@extra=$$(nm -D --defined-only $(LIBDIR)/libERPOps.so | awk '{print $$3}' | grep -v '^erpops_' || true); \
	  if [ -n "$$extra" ]; then echo "libERPOps.so exports non-erpops symbols: $$extra"; exit 1; fi
	cc $(CFLAGS_TEST) -Iffi-c/include $(C_SUITE) $(LIBDIR)/libERPOps.a \
	  $$(PKG_CONFIG_PATH=$(TARGET_DIR)/pkgconfig pkg-config --static --libs-only-l erpops | sed 's/-lERPOps//') \
	  -o $(TARGET_DIR)/test_c_static
	cc $(CFLAGS_TEST) $(C_SUITE) \
	  $$(PKG_CONFIG_PATH=$(TARGET_DIR)/pkgconfig pkg-config --cflags --libs erpops) \
	  -Wl,-rpath,$(LIBDIR) -o $(TARGET_DIR)/test_c_dynamic
	$(TARGET_DIR)/test_c_static $(VECTOR_TSV)
	$(TARGET_DIR)/test_c_dynamic $(VECTOR_TSV)
	$(VALGRIND) $(TARGET_DIR)/test_c_static $(VECTOR_TSV)
	$(VALGRIND) $(TARGET_DIR)/test_c_dynamic $(VECTOR_TSV)
	@# The README's C example is this file, compiled and run.
	awk '/^```c$$/{f=1;next}/^```$$/{f=0}f' ffi-c/README.md | diff -u ffi-c/examples/c/sign_and_verify.c -
	cc $(CFLAGS_TEST) ffi-c/examples/c/sign_and_verify.c \
	  $$(PKG_CONFIG_PATH=$(TARGET_DIR)/pkgconfig pkg-config --cflags --libs erpops) \
	  -Wl,-rpath,$(LIBDIR) -o $(TARGET_DIR)/example_c_sign_and_verify
	$(TARGET_DIR)/example_c_sign_and_verify

## C signing benchmark against OpenSSL HMAC() and EVP_MAC (same process, ratios).
bench-c:
	@[ -f /usr/include/openssl/evp.h ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libssl-dev >/dev/null; }
	$(CARGO) build --release -p erpops-ffi
	cc -O2 -std=c11 -Wall -Wextra -Werror -Iffi-c/include benches/c/bench_sign.c target/release/libERPOps.a \
	  -lcrypto -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o $(TARGET_DIR)/bench_sign
	$(TARGET_DIR)/bench_sign

## The GnuCOBOL payroll example: build, run like a batch step, check with openssl.
test-cobol: deps-apt pkgconfig
	bash tests/cobol/run.sh $(LIBDIR)

## Regenerate the committed ffi-c/include/erpops.h and ERPOPS.cpy from the sources.
header:
	UPDATE_HEADER=1 $(CARGO) test -p erpops-ffi --test header --test copybook

## erpops.pc pointing at this build tree (install-c writes one for PREFIX), and
## the SONAME's link, which programs linked with -lERPOps load at run time.
pkgconfig:
	$(CARGO) build -p erpops-ffi
	ln -sf libERPOps.so $(LIBDIR)/libERPOps.so.$(ERPOPS_ABI)
	mkdir -p $(TARGET_DIR)/pkgconfig
	sed -e 's|@PREFIX@|$(CURDIR)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(CURDIR)/ffi-c/include|' \
	  -e 's|@VERSION@|$(VERSION)|' ffi-c/erpops.pc.in > $(TARGET_DIR)/pkgconfig/erpops.pc

## Install libERPOps (release build), erpops.h, ERPOPS.cpy and erpops.pc under
## PREFIX, with the same names as the C SDK tarball (make dist).
install-c:
	$(CARGO) build --release -p erpops-ffi
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 644 target/release/libERPOps.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 target/release/libERPOps.so $(DESTDIR)$(PREFIX)/lib/libERPOps.so.$(VERSION)
	ln -sf libERPOps.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libERPOps.so.$(ERPOPS_ABI)
	ln -sf libERPOps.so.$(ERPOPS_ABI) $(DESTDIR)$(PREFIX)/lib/libERPOps.so
	install -m 644 ffi-c/include/erpops.h ffi-c/include/ERPOPS.cpy $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(PREFIX)/lib|' -e 's|@INCLUDEDIR@|$(PREFIX)/include|' \
	  -e 's|@VERSION@|$(VERSION)|' ffi-c/erpops.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/erpops.pc


## The same C suite under AddressSanitizer + UndefinedBehaviorSanitizer (issue #13), linked
## against the static Rust library (only the C side is instrumented; ASan still intercepts
## every malloc/free, so leaks and bad frees across the boundary are seen). Any report fails.
TEST_SUITES += test-c-asan
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

test-c-asan: test-c
	cc $(CFLAGS_TEST) $(SANITIZE) -Iffi-c/include $(C_SUITE) $(LIBDIR)/libERPOps.a \
	  $$(PKG_CONFIG_PATH=$(TARGET_DIR)/pkgconfig pkg-config --static --libs-only-l erpops | sed 's/-lERPOps//') \
	  -o $(TARGET_DIR)/test_c_asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  $(TARGET_DIR)/test_c_asan $(VECTOR_TSV)

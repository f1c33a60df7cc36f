/* sslcompat/libcrypto: an object with the SONAME "libcrypto.so" that only
 * depends on the real libcrypto.so.3.
 *
 * civetweb 1.15 also calls dlopen("libcrypto.so"); that unversioned name
 * exists only where libssl-dev is installed.  Loaded with the exporter
 * (rpath $ORIGIN), this object answers that dlopen on a runtime-only system
 * (the container image), and civetweb's dlsym() lookups resolve through
 * its dependency. */

/* One symbol so that the object is not empty. */
int le_sslcompat_libcrypto(void);

int le_sslcompat_libcrypto(void)
{
	return 1;
}

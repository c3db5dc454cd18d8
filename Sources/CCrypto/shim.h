#ifndef CCRYPTO_SHIM_H
#define CCRYPTO_SHIM_H
/* OpenSSL's libcrypto, already a dependency of libcurl4-openssl-dev: only its message digests. */
#include <openssl/evp.h>
#endif

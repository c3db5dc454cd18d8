#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
#include <zlib.h>

/* inflateInit2 is a macro (it passes the library version and the stream size): Swift cannot call it.
   Negative window bits: raw deflate data without a zlib or gzip header, as zip entries store it. */
static inline int CZlib_inflateInitRaw(z_stream *stream) {
    return inflateInit2(stream, -15);
}
#endif

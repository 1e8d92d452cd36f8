// The C allocator settings training needs, reachable from Swift (mallopt is not in Swift's Glibc).
#pragma once

#if defined(__linux__)
#include <features.h>  // defines __GLIBC__ when the C library is glibc
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif

/// Asks glibc to keep freed memory in the process instead of returning it to the kernel at once:
/// blocks up to 32 MB (glibc's ceiling) come from the heap rather than their own mmap, and the heap
/// top is never trimmed. Returns 1 if applied, 0 where there is no glibc. Process-wide.
static inline int sepcnn_keep_freed_memory(void) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
    mallopt(M_TOP_PAD, 64 * 1024 * 1024);
    return 1;
#else
    return 0;
#endif
}

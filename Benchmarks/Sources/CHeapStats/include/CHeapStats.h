#ifndef C_HEAP_STATS_H
#define C_HEAP_STATS_H

#include <stddef.h>

/// Bytes of heap in use according to the allocator (glibc's mallinfo2: uordblks plus
/// hblkhd, the memory of mmap'd chunks); 0 where the allocator cannot tell.
size_t sas_heap_in_use(void);

#endif

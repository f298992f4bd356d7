/* Placeholder: replaced by the persistence-engine work (lazy dlopen of libpmem). */
#ifndef SNAPSHOT_PMEM_H
#define SNAPSHOT_PMEM_H
int snapshot_pmem_load(void);
#endif

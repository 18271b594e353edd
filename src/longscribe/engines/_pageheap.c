/*
 * A page-span allocator for CTranslate2's CPU tensors (see pageheap.py for why).
 *
 * One heap reserves a large range of virtual memory (MAP_NORESERVE) and hands
 * out runs of 4 KiB pages ("spans") from it: best fit, freed spans merged with
 * free neighbours. A freed span stays resident for reuse, but the resident free
 * pages are capped (the cache): past the cap, the spans freed longest ago are
 * given back to the kernel (MADV_DONTNEED) while their addresses stay reserved.
 * Holes between live blocks then cost address space, not memory, so the
 * resident size is at most the live bytes plus the cache, however long the run.
 *
 * Requests under the threshold (none by default) go to the C library's malloc. free() of a
 * pointer outside the range goes to the C library's free, so the hooks can be
 * installed after other blocks were allocated.
 *
 * Plain C with no Python headers: loaded with ctypes (pageheap.py), which writes
 * ls_malloc & co. into the allocation hooks that Intel MKL exports
 * (i_malloc, i_free, i_calloc, i_realloc) and CTranslate2's CPU allocator uses.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE_SHIFT 12
#define PAGE ((size_t)1 << PAGE_SHIFT)
#define NBINS 256
#define SCAN 16

enum { USED = 1, RESIDENT = 2, RELEASED = 3 };

typedef struct span {
    size_t first, pages;
    int state;
    struct span *bprev, *bnext; /* size bin of its state */
    struct span *lprev, *lnext; /* resident free spans, most recently freed first */
} span;

typedef struct heap {
    pthread_mutex_t lock;
    char *base;
    size_t reserved, top; /* pages; [0, top) is tiled by spans */
    span **map;           /* map[page]: the span that starts or ends at that page */
    span *bins[2][NBINS];
    uint64_t nonempty[2][NBINS / 64];
    span *lru_head, *lru_tail;
    size_t threshold, cache, cached;
    size_t live, peak_live, faulted, released;
} heap;

static int bin_of(size_t pages) {
    if (pages < 64) return (int)pages;
    int lg = 63 - __builtin_clzl(pages);
    int b = 64 + (lg - 6) * 8 + (int)((pages >> (lg - 3)) & 7);
    return b < NBINS ? b : NBINS - 1;
}

static int kind_of(const span *s) { return s->state == RESIDENT ? 0 : 1; }

static void bin_add(heap *h, span *s) {
    int k = kind_of(s), b = bin_of(s->pages);
    s->bprev = NULL;
    s->bnext = h->bins[k][b];
    if (s->bnext) s->bnext->bprev = s;
    h->bins[k][b] = s;
    h->nonempty[k][b / 64] |= 1UL << (b % 64);
}

static void bin_del(heap *h, span *s) {
    int k = kind_of(s), b = bin_of(s->pages);
    if (s->bprev) s->bprev->bnext = s->bnext; else h->bins[k][b] = s->bnext;
    if (s->bnext) s->bnext->bprev = s->bprev;
    if (!h->bins[k][b]) h->nonempty[k][b / 64] &= ~(1UL << (b % 64));
    s->bprev = s->bnext = NULL;
}

static void lru_push(heap *h, span *s) {
    s->lprev = NULL;
    s->lnext = h->lru_head;
    if (h->lru_head) h->lru_head->lprev = s; else h->lru_tail = s;
    h->lru_head = s;
}

static void lru_del(heap *h, span *s) {
    if (s->lprev) s->lprev->lnext = s->lnext; else h->lru_head = s->lnext;
    if (s->lnext) s->lnext->lprev = s->lprev; else h->lru_tail = s->lprev;
    s->lprev = s->lnext = NULL;
}

/* r takes s's place in the LRU list */
static void lru_swap(heap *h, span *s, span *r) {
    r->lprev = s->lprev;
    r->lnext = s->lnext;
    if (r->lprev) r->lprev->lnext = r; else h->lru_head = r;
    if (r->lnext) r->lnext->lprev = r; else h->lru_tail = r;
    s->lprev = s->lnext = NULL;
}

static void mark(heap *h, span *s) {
    h->map[s->first] = s;
    h->map[s->first + s->pages - 1] = s;
}

static span *new_span(size_t first, size_t pages, int state) {
    span *s = calloc(1, sizeof(span));
    if (s) {
        s->first = first;
        s->pages = pages;
        s->state = state;
    }
    return s;
}

static int next_bin(const heap *h, int k, int from) {
    for (int w = from / 64; w < NBINS / 64; w++) {
        uint64_t m = h->nonempty[k][w];
        if (w == from / 64) m &= ~0UL << (from % 64);
        if (m) return w * 64 + __builtin_ctzl(m);
    }
    return -1;
}

/* the smallest of the first few spans that fit: in n's bin, else in the next non-empty one */
static span *best_fit(heap *h, int k, size_t n) {
    int b = bin_of(n), seen = 0;
    span *best = NULL;
    for (span *s = h->bins[k][b]; s && seen < SCAN; s = s->bnext, seen++)
        if (s->pages >= n && (!best || s->pages < best->pages)) best = s;
    if (best || b + 1 >= NBINS) return best;
    int c = next_bin(h, k, b + 1);
    if (c < 0) return NULL;
    seen = 0;
    for (span *s = h->bins[k][c]; s && seen < SCAN; s = s->bnext, seen++)
        if (!best || s->pages < best->pages) best = s;
    return best;
}

static span *take(heap *h, size_t n) {
    span *s = best_fit(h, 0, n);
    if (!s) s = best_fit(h, 1, n);
    if (!s) {
        if (h->top + n > h->reserved) return NULL;
        s = new_span(h->top, n, USED);
        if (!s) return NULL;
        h->top += n;
        h->faulted += n;
        mark(h, s);
        return s;
    }
    if (s->pages > n) {
        span *rest = new_span(s->first + n, s->pages - n, s->state);
        if (!rest) return NULL;
        bin_del(h, s);
        if (s->state == RESIDENT) lru_swap(h, s, rest);
        mark(h, rest);
        bin_add(h, rest);
        s->pages = n;
    } else {
        bin_del(h, s);
        if (s->state == RESIDENT) lru_del(h, s);
    }
    if (s->state == RESIDENT) h->cached -= n; else h->faulted += n;
    s->state = USED;
    mark(h, s);
    return s;
}

/* s (not in any list) absorbs its free neighbours in the same state */
static void merge(heap *h, span *s) {
    if (s->first > 0) {
        span *l = h->map[s->first - 1];
        if (l->state == s->state && l->first + l->pages == s->first) {
            bin_del(h, l);
            if (l->state == RESIDENT) lru_del(h, l);
            s->first = l->first;
            s->pages += l->pages;
            free(l);
        }
    }
    size_t end = s->first + s->pages;
    if (end < h->top) {
        span *r = h->map[end];
        if (r->state == s->state && r->first == end) {
            bin_del(h, r);
            if (r->state == RESIDENT) lru_del(h, r);
            s->pages += r->pages;
            free(r);
        }
    }
    mark(h, s);
}

static void give_back(heap *h, size_t first, size_t pages) {
    madvise(h->base + (first << PAGE_SHIFT), pages << PAGE_SHIFT, MADV_DONTNEED);
    h->cached -= pages;
    h->released += pages;
}

/* release the oldest resident free pages until the cache is within its cap */
static void shrink(heap *h) {
    while (h->cached > h->cache && h->lru_tail) {
        span *t = h->lru_tail;
        size_t excess = h->cached - h->cache;
        if (t->pages > excess) { /* keep the span's lower part, give back its top */
            span *r = new_span(t->first + t->pages - excess, excess, RELEASED);
            if (r) {
                bin_del(h, t);
                t->pages -= excess;
                mark(h, t);
                bin_add(h, t);
                give_back(h, r->first, excess);
                merge(h, r);
                bin_add(h, r);
                return;
            }
        }
        bin_del(h, t);
        lru_del(h, t);
        give_back(h, t->first, t->pages);
        t->state = RELEASED;
        merge(h, t);
        bin_add(h, t);
    }
}

heap *ls_heap_new(size_t reserve_bytes, size_t threshold, size_t cache_bytes) {
    size_t pages = reserve_bytes >> PAGE_SHIFT;
    heap *h = calloc(1, sizeof(heap));
    if (!h || pages == 0) goto fail;
    void *base = mmap(NULL, pages << PAGE_SHIFT, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) goto fail;
    void *map = mmap(NULL, pages * sizeof(span *), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (map == MAP_FAILED) {
        munmap(base, pages << PAGE_SHIFT);
        goto fail;
    }
    pthread_mutex_init(&h->lock, NULL);
    h->base = base;
    h->map = map;
    h->reserved = pages;
    h->threshold = threshold;
    h->cache = cache_bytes >> PAGE_SHIFT;
    return h;
fail:
    free(h);
    return NULL;
}

/* for tests: unmap a heap nothing points into any more (never the installed one) */
void ls_heap_destroy(heap *h) {
    for (size_t p = 0; p < h->top;) {
        span *s = h->map[p];
        p += s->pages;
        free(s);
    }
    munmap(h->map, h->reserved * sizeof(span *));
    munmap(h->base, h->reserved << PAGE_SHIFT);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

static int owns(const heap *h, const void *p) {
    return (const char *)p >= h->base && (const char *)p < h->base + (h->reserved << PAGE_SHIFT);
}

int ls_heap_owns(heap *h, const void *p) { return owns(h, p); }

void *ls_heap_malloc(heap *h, size_t size) {
    if (size < h->threshold || size > (h->reserved << PAGE_SHIFT)) return malloc(size);
    size_t n = size ? (size + PAGE - 1) >> PAGE_SHIFT : 1;
    pthread_mutex_lock(&h->lock);
    span *s = take(h, n);
    if (s) {
        h->live += n;
        if (h->live > h->peak_live) h->peak_live = h->live;
    }
    pthread_mutex_unlock(&h->lock);
    return s ? h->base + (s->first << PAGE_SHIFT) : malloc(size); /* range full: the C library's */
}

void ls_heap_free(heap *h, void *p) {
    if (!p) return;
    if (!owns(h, p)) {
        free(p);
        return;
    }
    pthread_mutex_lock(&h->lock);
    span *s = h->map[((char *)p - h->base) >> PAGE_SHIFT];
    h->live -= s->pages;
    h->cached += s->pages;
    s->state = RESIDENT;
    merge(h, s);
    bin_add(h, s);
    lru_push(h, s);
    shrink(h);
    pthread_mutex_unlock(&h->lock);
}

size_t ls_heap_usable(heap *h, void *p) {
    if (!owns(h, p)) return malloc_usable_size(p);
    pthread_mutex_lock(&h->lock);
    size_t n = h->map[((char *)p - h->base) >> PAGE_SHIFT]->pages << PAGE_SHIFT;
    pthread_mutex_unlock(&h->lock);
    return n;
}

void *ls_heap_calloc(heap *h, size_t count, size_t size) {
    if (size && count > SIZE_MAX / size) return NULL;
    void *p = ls_heap_malloc(h, count * size);
    if (p) memset(p, 0, count * size);
    return p;
}

void *ls_heap_realloc(heap *h, void *p, size_t size) {
    if (!p) return ls_heap_malloc(h, size);
    if (!owns(h, p) && size < h->threshold) return realloc(p, size);
    size_t old = ls_heap_usable(h, p);
    if (owns(h, p) && size <= old && size >= h->threshold && size > old / 2) return p;
    void *q = ls_heap_malloc(h, size);
    if (q) {
        memcpy(q, p, old < size ? old : size);
        ls_heap_free(h, p);
    }
    return q;
}

/* live, peak live, cached (resident free), address range used, faulted in, given back: bytes */
void ls_heap_stats(heap *h, size_t *out) {
    pthread_mutex_lock(&h->lock);
    out[0] = h->live << PAGE_SHIFT;
    out[1] = h->peak_live << PAGE_SHIFT;
    out[2] = h->cached << PAGE_SHIFT;
    out[3] = h->top << PAGE_SHIFT;
    out[4] = h->faulted << PAGE_SHIFT;
    out[5] = h->released << PAGE_SHIFT;
    pthread_mutex_unlock(&h->lock);
}

/* The process-wide heap behind the hooks, set once. */
static heap *installed;

/* a fork() while another thread holds the lock must not leave the child's heap locked */
static void before_fork(void) { pthread_mutex_lock(&installed->lock); }
static void after_fork(void) { pthread_mutex_unlock(&installed->lock); }

int ls_install(heap *h) {
    if (installed) return installed == h ? 0 : -1;
    installed = h;
    pthread_atfork(before_fork, after_fork, after_fork);
    return 0;
}

void *ls_malloc(size_t size) { return ls_heap_malloc(installed, size); }
void ls_free(void *p) { ls_heap_free(installed, p); }
void *ls_calloc(size_t count, size_t size) { return ls_heap_calloc(installed, count, size); }
void *ls_realloc(void *p, size_t size) { return ls_heap_realloc(installed, p, size); }

/*===- dlc_libc.h - The libc functions the runtime calls ------------------===*
 *
 * The runtime is compiled freestanding, once per target triple, so that one
 * bitcode file per target needs no target sysroot. These are the C99/POSIX
 * declarations it uses; their ABI is the same on every LP64 Linux.
 *
 *===----------------------------------------------------------------------===*/

#ifndef DLC_LIBC_H
#define DLC_LIBC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _IO_FILE FILE;
#define SEEK_SET 0
#define SEEK_END 2

void *malloc(size_t);
void *calloc(size_t, size_t);
void *realloc(void *, size_t);
void free(void *);
int posix_memalign(void **, size_t, size_t);
void *memcpy(void *, const void *, size_t);
void *memset(void *, int, size_t);
int memcmp(const void *, const void *, size_t);
size_t strlen(const char *);
int strcmp(const char *, const char *);
int snprintf(char *, size_t, const char *, ...);
int vsnprintf(char *, size_t, const char *, va_list);
FILE *fopen(const char *, const char *);
int fclose(FILE *);
size_t fread(void *, size_t, size_t, FILE *);
size_t fwrite(const void *, size_t, size_t, FILE *);
int ferror(FILE *);
int fseek(FILE *, long, int);
long ftell(FILE *);
int *__errno_location(void);
char *strerror(int);
double sqrt(double);
double log(double);
double cos(double);

#endif /* DLC_LIBC_H */

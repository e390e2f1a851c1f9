/* idx.h - reads the Fashion-MNIST files of Debian's dataset-fashion-mnist.
 *
 * The IDX format (http://yann.lecun.com/exdb/mnist/): a magic number whose
 * third byte is the element type (0x08: unsigned byte) and fourth the rank,
 * the dims as big-endian u32, then the data. The files are gzip-compressed;
 * they are read through `gzip -dc` so that the examples link nothing but
 * the model. */
#ifndef FASHION_MNIST_IDX_H
#define FASHION_MNIST_IDX_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

/* The data of a rank-`dims` unsigned-byte IDX file with `item` bytes per
 * entry of its first dim; sets *count to that dim. NULL (and a message on
 * stderr) if the file is missing or malformed. */
static uint8_t *read_idx(const char *path, int dims, size_t item, size_t *count) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "gzip -dc '%s'", path);
  FILE *f = popen(cmd, "r");
  if (!f) {
    fprintf(stderr, "cannot run gzip on %s\n", path);
    return NULL;
  }
  uint8_t header[16];
  size_t header_size = 4 + 4 * (size_t)dims;
  uint8_t *data = NULL;
  if (fread(header, 1, header_size, f) == header_size && header[2] == 0x08 &&
      header[3] == dims) {
    size_t n = (size_t)header[4] << 24 | header[5] << 16 | header[6] << 8 | header[7];
    data = malloc(n * item);
    if (data && fread(data, 1, n * item, f) == n * item) {
      *count = n;
    } else {
      free(data);
      data = NULL;
    }
  }
  pclose(f);
  if (!data)
    fprintf(stderr, "%s is not a valid IDX file\n", path);
  return data;
}

#endif /* FASHION_MNIST_IDX_H */

/* classify.c - Fashion-MNIST test accuracy of a dlc-compiled classifier.
 *
 *   dlc compile mlp.dl -o fashion_mlp.o
 *   cc -O2 classify.c fashion_mlp.o -lpthread -ldl -lm -o classify
 *   ./classify weights.safetensors [reference.u8]
 *
 * Reads the 10,000 test images and labels of the Debian package
 * dataset-fashion-mnist (IDX files, gzip-compressed; decompressed through
 * `gzip -dc`), loads the model's weights from a safetensors file, runs the
 * forward pass in batches and prints the accuracy. With a reference file
 * (one predicted class per image, as train_mlp.py writes PyTorch's), it also
 * prints how many predictions agree and exits with 1 below 99.9%.
 *
 * Build with -DMODEL=fashion_cnn to classify with the CNN of cnn.dl.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MODEL
#define MODEL fashion_mlp
#endif
#define STR2(x) #x
#define STR(x) STR2(x)
#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define FN(name) CAT(MODEL, name)
#include STR(MODEL.h)

#include "idx.h"
#define DATA_DIR FASHION_MNIST_DIR
#define IMAGE_PIXELS (28 * 28)
#define NUM_CLASSES 10

/* Reads a gzip-compressed IDX file of unsigned bytes; returns the data and
 * sets *count to its first dimension. */

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: %s weights.safetensors [reference.u8]\n", argv[0]);
    return 2;
  }
  size_t n = 0, n_labels = 0;
  uint8_t *pixels = read_idx(DATA_DIR "/t10k-images-idx3-ubyte.gz", 3, IMAGE_PIXELS, &n);
  uint8_t *labels = read_idx(DATA_DIR "/t10k-labels-idx1-ubyte.gz", 1, 1, &n_labels);
  if (!pixels || !labels || n != n_labels)
    return 1;

  FN(model) *model = NULL;
  if (FN(create)(&model, 0) != DLC_OK) {
    fprintf(stderr, "classify: %s\n", FN(last_error)(NULL));
    return 1;
  }
  if (FN(load)(model, argv[1]) != DLC_OK) {
    fprintf(stderr, "classify: %s\n", FN(last_error)(model));
    FN(destroy)(model);
    return 1;
  }

  uint8_t *reference = NULL;
  if (argc == 3) {
    FILE *f = fopen(argv[2], "rb");
    reference = malloc(n);
    if (!f || fread(reference, 1, n, f) != n) {
      fprintf(stderr, "classify: cannot read %zu predictions from %s\n", n, argv[2]);
      return 1;
    }
    fclose(f);
  }

  enum { BATCH = 500 };
  float *images = malloc(sizeof(float) * BATCH * IMAGE_PIXELS);
  float logits[BATCH * NUM_CLASSES];
  size_t correct = 0, agree = 0;
  for (size_t start = 0; start < n; start += BATCH) {
    size_t b = n - start < BATCH ? n - start : BATCH;
    for (size_t i = 0; i < b * IMAGE_PIXELS; ++i)
      images[i] = pixels[start * IMAGE_PIXELS + i] / 255.0f;
    if (FN(forward)(model, (int64_t)b, images, logits) != DLC_OK) {
      fprintf(stderr, "classify: %s\n", FN(last_error)(model));
      return 1;
    }
    for (size_t i = 0; i < b; ++i) {
      int best = 0;
      for (int c = 1; c < NUM_CLASSES; ++c)
        if (logits[i * NUM_CLASSES + c] > logits[i * NUM_CLASSES + best])
          best = c;
      correct += best == labels[start + i];
      if (reference)
        agree += best == reference[start + i];
    }
  }
  printf("dlc test accuracy: %.2f%% (%zu/%zu)\n", 100.0 * correct / n, correct, n);
  int status = 0;
  if (reference) {
    printf("agreement with PyTorch: %.2f%% (%zu/%zu)\n", 100.0 * agree / n, agree, n);
    status = agree * 1000 >= n * 999 ? 0 : 1;
  }
  FN(destroy)(model);
  free(images);
  free(pixels);
  free(labels);
  free(reference);
  return status;
}

/* Classifies two blank images with a freshly initialized model: the
 * smallest program built with dlc_add_model. */
#include <stdio.h>
#include "fashion_mlp.h"

int main(void) {
  fashion_mlp_model *model = NULL;
  if (fashion_mlp_create(&model, 1) != DLC_OK) {
    fprintf(stderr, "%s\n", fashion_mlp_last_error(NULL));
    return 1;
  }
  static float images[2 * 28 * 28];
  float logits[2 * 10];
  if (fashion_mlp_forward(model, 2, images, logits) != DLC_OK) {
    fprintf(stderr, "%s\n", fashion_mlp_last_error(model));
    return 1;
  }
  printf("logits[0] = %g (%lld arena bytes at batch 2)\n", logits[0],
         (long long)fashion_mlp_forward_arena_bytes(2));
  fashion_mlp_destroy(model);
  return 0;
}

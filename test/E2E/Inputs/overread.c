/* Claims a batch of 3 images but passes one: ASan must stop the kernel. */
#include <stdlib.h>
#include "fashion_mlp.h"
int main(void) {
  fashion_mlp_model *m = NULL;
  if (fashion_mlp_create(&m, 1) != DLC_OK)
    return 1;
  float *image = calloc(784, sizeof(float));
  float logits[30];
  return fashion_mlp_forward(m, 3, image, logits);
}

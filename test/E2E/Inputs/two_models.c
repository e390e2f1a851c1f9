/* Links fashion_mlp.o and fashion_cnn.o together and runs both. */
#include <math.h>
#include <stdio.h>
#include "fashion_cnn.h"
#include "fashion_mlp.h"

int main(void) {
  static float image[2 * 784], logits[20];
  for (int i = 0; i < 2 * 784; ++i)
    image[i] = (float)((i * 7) % 13) / 13.0f;
  fashion_mlp_model *mlp = NULL;
  fashion_cnn_model *cnn = NULL;
  if (fashion_mlp_create(&mlp, 1) || fashion_cnn_create(&cnn, 1))
    return 1;
  int ok = fashion_mlp_forward(mlp, 2, image, logits) == DLC_OK;
  for (int i = 0; i < 20; ++i)
    ok = ok && isfinite(logits[i]);
  printf("mlp %s\n", ok ? "ok" : fashion_mlp_last_error(mlp));
  ok = fashion_cnn_forward(cnn, 2, image, logits) == DLC_OK;
  for (int i = 0; i < 20; ++i)
    ok = ok && isfinite(logits[i]);
  printf("cnn %s\n", ok ? "ok" : fashion_cnn_last_error(cnn));
  /* A state of one model passed to the other is refused, not misused. */
  if (fashion_cnn_forward((fashion_cnn_model *)mlp, 2, image, logits) != DLC_ERROR_INVALID_ARGUMENT)
    return 1;
  fashion_mlp_destroy(mlp);
  fashion_cnn_destroy(cnn);
  return 0;
}

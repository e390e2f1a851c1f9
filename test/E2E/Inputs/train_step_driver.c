/* One train_step of a Fashion-MNIST model: saves the initial parameters,
 * runs the step on a batch read from files, prints the loss, saves the
 * updated parameters and optimizer state.
 *   driver INIT.safetensors AFTER.safetensors X.f32 Y.i32 BATCH */
#include <stdio.h>
#include <stdlib.h>

#include "slurp.h"

#define STR2(x) #x
#define STR(x) STR2(x)
#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define FN(name) CAT(MODEL, name)
#include STR(MODEL.h)

int main(int argc, char **argv) {
  if (argc != 6)
    return 2;
  int64_t batch = atoll(argv[5]);
  FN(model) *m = NULL;
  if (FN(create)(&m, 3) != DLC_OK || FN(save)(m, argv[1]) != DLC_OK)
    return 1;
  float *x = slurp(argv[3], sizeof(float) * batch * 784);
  int32_t *y = slurp(argv[4], sizeof(int32_t) * batch);
  float loss;
  if (FN(train_step)(m, batch, x, y, &loss) != DLC_OK || FN(save)(m, argv[2]) != DLC_OK) {
    fprintf(stderr, "%s\n", FN(last_error)(m));
    return 1;
  }
  printf("loss %.9g\n", loss);
  FN(destroy)(m);
  return 0;
}

/* One train_step of examples/lstm/classifier.dl: saves the initial
 * parameters, runs the step on tokens and labels read from files, prints
 * the loss, saves the updated parameters and optimizer state.
 *   driver INIT.safetensors AFTER.safetensors TOKENS.i32 Y.f32 BATCH TIME */
#include <stdio.h>
#include <stdlib.h>

#include "slurp.h"

#include "lstm_classifier.h"

int main(int argc, char **argv) {
  if (argc != 7)
    return 2;
  int64_t batch = atoll(argv[5]), time = atoll(argv[6]);
  lstm_classifier_model *m = NULL;
  if (lstm_classifier_create(&m, 3) != DLC_OK || lstm_classifier_save(m, argv[1]) != DLC_OK)
    return 1;
  int32_t *tokens = slurp(argv[3], sizeof(int32_t) * batch * time);
  float *y = slurp(argv[4], sizeof(float) * batch);
  float loss;
  if (lstm_classifier_train_step(m, batch, time, tokens, y, &loss) != DLC_OK ||
      lstm_classifier_save(m, argv[2]) != DLC_OK) {
    fprintf(stderr, "%s\n", lstm_classifier_last_error(m));
    return 1;
  }
  printf("loss %.9g\n", loss);
  lstm_classifier_destroy(m);
  return 0;
}

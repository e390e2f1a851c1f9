/* dims-derived.mlir at rows = 2 * batch (valid) and rows = 5 (refused). */
#include <stdio.h>

#include "derived.h"

int main(void) {
  derived_model *m = NULL;
  if (derived_create(&m, 1) != DLC_OK)
    return 1;
  float x[3 * 20] = {0}, loss;
  int32_t y[6] = {0, 1, 2, 3, 4, 5};
  printf("rows 6: %d\n", (int)derived_loss(m, 3, 6, x, y, &loss));
  int rc = derived_loss(m, 3, 5, x, y, &loss);
  printf("rows 5: %d %s\n", rc, derived_last_error(m));
  derived_destroy(m);
  return 0;
}

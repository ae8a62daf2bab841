#include "test.h"

TEST(error_names) {
  CHECK_STR(yl_err_name(YL_OK), "YL_OK");
  CHECK_STR(yl_err_name(YL_ENOMEM), "YL_ENOMEM");
  CHECK_STR(yl_strerror(YL_EBUSY), "object is running and cannot be used now");
  CHECK_STR(yl_err_name(-999), "YL_EUNKNOWN");
  CHECK_STR(yl_strerror(-999), "unknown error");
}

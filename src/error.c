#include "yl_error.h"

const char *yl_err_name(int code) {
  switch (code) {
  case YL_OK: return "YL_OK";
#define YL__ERR_NAME(name, c, msg) case YL_##name: return "YL_" #name;
    YL_ERRNO_MAP(YL__ERR_NAME)
#undef YL__ERR_NAME
  }
  return "YL_EUNKNOWN";
}

const char *yl_strerror(int code) {
  switch (code) {
  case YL_OK: return "success";
#define YL__ERR_MSG(name, c, msg) case YL_##name: return msg;
    YL_ERRNO_MAP(YL__ERR_MSG)
#undef YL__ERR_MSG
  }
  return "unknown error";
}

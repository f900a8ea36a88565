#include "pk_kernel.h"

const char *pk_status_str(pk_status s)
{
    switch (s) {
    case PK_OK: return "ok";
    case PK_ENOMEM: return "out of memory";
    case PK_EINVAL: return "invalid argument";
    case PK_EIO: return "input/output error";
    case PK_ERANGE: return "result out of range";
    }
    return "unknown status";
}

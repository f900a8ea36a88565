#include "pk_kernel.h"

const char *pk_status_str(pk_status s)
{
    switch (s) {
    case PK_OK: return "ok";
    case PK_ENOMEM: return "out of memory";
    case PK_EINVAL: return "invalid argument";
    case PK_EIO: return "input/output error";
    case PK_ERANGE: return "result out of range";
    case PK_EKERNEL: return "the kernel broke its contract";
    }
    return "unknown status";
}

const char *parkit_status_str(parkit_status s)
{
    return pk_status_str(s);
}

#ifndef MEETUP_CSODIUM_SHIM_H
#define MEETUP_CSODIUM_SHIM_H
#include <sodium.h>
#endif

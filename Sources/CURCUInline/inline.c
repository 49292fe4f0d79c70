// Everything is in the header (static inline); this file makes the target a library SwiftPM can build.
#include "CURCUInline.h"

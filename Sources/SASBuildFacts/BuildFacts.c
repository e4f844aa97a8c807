#include "SASBuildFacts.h"

#ifndef SAS_BUILD_VERSION
#define SAS_BUILD_VERSION "unknown"
#endif
#ifndef SAS_BUILD_REVISION
#define SAS_BUILD_REVISION "unknown"
#endif

const char *sas_build_version(void) { return SAS_BUILD_VERSION; }
const char *sas_build_revision(void) { return SAS_BUILD_REVISION; }

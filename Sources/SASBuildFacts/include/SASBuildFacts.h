// Build facts fixed when the package is built: Package.swift defines SAS_BUILD_VERSION
// and SAS_BUILD_REVISION from SAS_VERSION / SAS_REVISION in the environment (see
// Package.swift). "unknown" only when nothing was given.
#ifndef SAS_BUILD_FACTS_H
#define SAS_BUILD_FACTS_H

const char *sas_build_version(void);
const char *sas_build_revision(void);

#endif

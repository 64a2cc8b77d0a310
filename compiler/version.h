/* version.h - the streamc version, shared by the driver and the banner. */
#ifndef STREAMC_VERSION_H
#define STREAMC_VERSION_H
#define SR_VERSION_STRING "0.1.0"
#endif

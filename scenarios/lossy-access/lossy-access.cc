/*
 * lossy-access.cc: the mip6tls lossy-access scenario (README.md next to this file). The program
 * is shared with the re-keying scenarios: ../common/rekey-scenario.{h,cc}.
 */
#include "rekey-scenario.h"

int
main(int argc, char** argv)
{
    return mip6tls_scen::RunRekeyScenario(argc, argv, mip6tls_scen::RekeyMode::Lossy);
}

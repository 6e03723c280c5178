/*
 * sa-renewal.cc: the mip6tls sa-renewal scenario (README.md next to this file). The program is shared
 * with the other re-keying scenario: ../common/rekey-scenario.{h,cc}.
 */
#include "rekey-scenario.h"

int
main(int argc, char** argv)
{
    return mip6tls_scen::RunRekeyScenario(argc, argv, mip6tls_scen::RekeyMode::Validity);
}

/*
 * rekey-scenario.h: the program behind scenarios/sa-renewal, scenarios/reinit and
 * scenarios/lossy-access. An RFC 6618
 * MN on a wired access link (no movement) gets a second SA from its HAC while a CN and the MN
 * exchange numbered UDP packets every 20 ms through the tunnel:
 *   - RekeyMode::Validity (sa-renewal): short SA validity; the MN starts the renewal itself
 *     (NEED_BOOTSTRAP reason VALIDITY) its renew margin before the end;
 *   - RekeyMode::Reinit (reinit): at --rekeyAt the home application calls
 *     mip6tls_ha_request_rekey for the MN's SA, the HA answers the next BU (a binding refresh,
 *     short binding lifetime) with 176 and the MN goes back to the HAC (reason REINIT).
 * Both are make-before-break: the old SA carries traffic until the BU under the new one is
 * acknowledged.
 *   - RekeyMode::Lossy (lossy-access): no re-key; a RateErrorModel (packet unit, --lossRate)
 *     on the receive side of both ends of the access link from the start, so the bootstrap
 *     TCP retransmits and BUs/BAs get lost; the summary has the BU back-off (RFC 6275 §11.8).
 * The READMEs next to the three mains describe the runs and the outputs.
 */
#ifndef MIP6TLS_REKEY_SCENARIO_H
#define MIP6TLS_REKEY_SCENARIO_H

namespace mip6tls_scen
{

enum class RekeyMode
{
    Validity,
    Reinit,
    Lossy,
};

/** The whole program: parses argc/argv (--help lists the options), runs, writes DIR. */
int RunRekeyScenario(int argc, char** argv, RekeyMode mode);

} // namespace mip6tls_scen

#endif

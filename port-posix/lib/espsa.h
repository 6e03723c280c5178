/*
 * espsa.h: Wireshark's "esp_sa" UAT rows for an SA, so captures of the UDP/7872 traffic
 * decrypt in Wireshark/tshark (with scenarios/common/rfc6618.lua, which hands the payload to
 * the ESP dissector with (PType << 28 | SPI) as the SPI). Off unless configured: the file
 * holds keys.
 *
 * Per SA and per HA address (IPv6 and IPv4), for PType 8 (BU/BA) and 1 (data): one row
 * MN -> HA ("*" -> HA, the MN-to-HA keys) and one HA -> MN (HA -> "*"). A row reads
 *   "IPv6","*","2001:db8::1","0x8xxxxxxx","AES-GCM with 16 octet ICV [RFC4106]","0x...",
 *   "NULL",""
 * tshark 4.0 has no AES-XCBC-MAC-96 (those rows say "ANY 96 bit authentication [no
 * checking]": decrypted, not verified) and no ChaCha20-Poly1305 for ESP (no rows).
 */
#ifndef PX_ESPSA_H
#define PX_ESPSA_H

#include <stddef.h>

#include "mip6tls/sa.h"

/* Appends the rows of `sa` to `path` (created mode 0600). Returns the number of rows written
 * (0 for a suite tshark cannot decrypt), or -errno. */
int px_espsa_append(const char *path, const mip6tls_sa *sa);

#endif

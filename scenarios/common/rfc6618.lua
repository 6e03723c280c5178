-- rfc6618.lua: a Wireshark/tshark shim for the RFC 6618 UDP encapsulation on port 7872.
-- Shows PType (§6.1) and SPI, then hands the whole UDP payload to Wireshark's own ESP
-- dissector, which reads (PType << 28 | SPI) as the SPI: with the esp_sa rows a scenario
-- writes, Wireshark decrypts and decodes the BU/BA (PType 8) and the tunnelled data (PType 1).
-- PType 0 (unprotected data) is handed to the ipv6/ip dissector at offset 8.
--   tshark -X lua_script:rfc6618.lua -o esp.enable_encryption_decode:TRUE \
--          -o "uat:esp_sa:$(head -1 esp_sa)" ... -r capture.pcap
-- (or copy esp_sa into Wireshark's profile directory as the file "esp_sa").
local p = Proto("rfc6618", "RFC 6618 UDP encapsulation")
local f_ptype = ProtoField.uint32("rfc6618.ptype", "PType", base.DEC, {
    [0] = "IP packet, unprotected", [1] = "ESP-protected data", [8] = "Mobility Header (ESP)",
}, 0xF0000000)
local f_spi = ProtoField.uint32("rfc6618.spi", "SPI", base.HEX, nil, 0x0FFFFFFF)
p.fields = { f_ptype, f_spi }
local esp = Dissector.get("esp")
local ipv6 = Dissector.get("ipv6")
local ip = Dissector.get("ip")

function p.dissector(tvb, pinfo, tree)
    if tvb:len() < 8 then
        return 0
    end
    local t = tree:add(p, tvb(0, 8))
    t:add(f_ptype, tvb(0, 4))
    t:add(f_spi, tvb(0, 4))
    local ptype = bit32.rshift(tvb(0, 4):uint(), 28)
    if ptype == 0 then
        local v = bit32.rshift(tvb(8, 1):uint(), 4)
        if v == 6 then
            ipv6:call(tvb(8):tvb(), pinfo, tree)
        else
            ip:call(tvb(8):tvb(), pinfo, tree)
        end
    else
        esp:call(tvb, pinfo, tree)
    end
    return tvb:len()
end

DissectorTable.get("udp.port"):add(7872, p)

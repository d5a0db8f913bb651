/*
 * habproto: reference encoder for the balloon tracker protocol v1 (see ../SPEC.md).
 *
 * Plain C99, needs only <stdint.h> and <stddef.h>: no malloc, no stdio, no floating point.
 * Every measurement is passed as an integer count of the last digit sent on the wire
 * (centivolts, decidegrees, 1e-7 degrees...), so it runs unchanged on an AVR whose printf
 * has no %f. HABP_NONE in any measurement means "not measured" and gives an empty field.
 *
 * Every line builder writes into the caller's buffer, ends the line with CRLF, adds a NUL
 * terminator, and returns the number of characters written (without the NUL), or 0 if
 * the buffer is too small or an argument cannot be encoded (bad callsign, bad extras).
 */
#ifndef HABPROTO_H
#define HABPROTO_H

#include <stddef.h>
#include <stdint.h>

#define HABP_NONE INT32_MIN
#define HABP_MAX_LINE 250 /* longest line of the protocol, CRLF included */

typedef struct {
    const char *callsign; /* 1..16 characters of A-Z a-z 0-9 _ - */
    uint16_t seq;         /* packet sequence number, wraps 65535 -> 0 */

    uint8_t time_valid;   /* 0: UTC time unknown (empty time fields) */
    uint8_t hour, minute, second, centisecond;
    uint8_t date_valid;   /* 0: date unknown (empty RMC date) */
    uint8_t day, month;
    uint16_t year;        /* e.g. 2024 */

    int32_t lat_e7;       /* latitude, 1e-7 degree, north positive; HABP_NONE: no fix */
    int32_t lon_e7;       /* longitude, 1e-7 degree, east positive; HABP_NONE: no fix */
    int32_t alt_dm;       /* altitude above mean sea level, decimetres */
    int32_t speed_cmps;   /* ground speed, cm/s (0 .. 100000) */
    int32_t course_ddeg;  /* course over ground, 0.1 degree true (0 .. 3600) */
    int32_t sats;         /* satellites used (0 .. 99) */
    int32_t hdop_d;       /* horizontal dilution of precision x 10 */

    int32_t battery_cv;   /* battery voltage, 0.01 V */
    int32_t temp_int_dc;  /* internal temperature, 0.1 degC */
    int32_t temp_ext_dc;  /* external temperature, 0.1 degC */
    int32_t pressure_pa;  /* pressure, Pa (= 0.01 hPa) */
    const char *extras;   /* "name=value;name=value" or NULL */
} habp_report;

/* CRC16-CCITT: poly 0x1021, no reflection, no final XOR. Start with crc = 0xFFFF;
 * pass the previous result to continue over more data. */
uint16_t habp_crc16(const uint8_t *data, size_t len, uint16_t crc);

/* XOR of the characters of an NMEA sentence body (between '$' and '*'). */
uint8_t habp_nmea_checksum(const char *body, size_t len);

/* Single lines, each ending in CRLF. talker is two letters, e.g. "GP" or "GN". */
size_t habp_header_line(char *buf, size_t cap, const habp_report *r);
size_t habp_gga_line(char *buf, size_t cap, const habp_report *r, const char *talker);
size_t habp_rmc_line(char *buf, size_t cap, const habp_report *r, const char *talker);
size_t habp_end_line(char *buf, size_t cap, const char *callsign, uint16_t seq, uint16_t crc);

/* A whole packet: PHABT, GGA, RMC and PHABE (with the CRC of the first three lines). */
size_t habp_packet(char *buf, size_t cap, const habp_report *r, const char *talker);

#endif /* HABPROTO_H */

/* habproto: reference encoder for the balloon tracker protocol v1. See habproto.h. */
#include "habproto.h"

typedef struct {
    char *buf;
    size_t cap;
    size_t len;
    int ok;
} writer;

static void w_init(writer *w, char *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->ok = (buf != NULL && cap > 0);
    if (w->ok) {
        buf[0] = '\0';
    }
}

static void w_char(writer *w, char c)
{
    if (!w->ok || w->len + 1 >= w->cap) {
        w->ok = 0;
        return;
    }
    w->buf[w->len++] = c;
    w->buf[w->len] = '\0';
}

static void w_str(writer *w, const char *s)
{
    while (s != NULL && *s != '\0') {
        w_char(w, *s++);
    }
}

/* Unsigned decimal with at least min_digits digits (zero padded). */
static void w_uint(writer *w, uint32_t value, uint8_t min_digits)
{
    char digits[10];
    uint8_t n = 0;
    do {
        digits[n++] = (char)('0' + (value % 10u));
        value /= 10u;
    } while (value != 0u);
    while (n < min_digits && n < sizeof digits) {
        digits[n++] = '0';
    }
    while (n > 0) {
        w_char(w, digits[--n]);
    }
}

static uint32_t magnitude(int32_t value)
{
    return value < 0 ? (uint32_t)0 - (uint32_t)value : (uint32_t)value;
}

/* A fixed-point number: value counts units of 10^-decimals. HABP_NONE writes nothing. */
static void w_fixed(writer *w, int32_t value, uint8_t decimals)
{
    uint32_t unit = 1u;
    uint32_t m;
    uint8_t i;
    if (value == HABP_NONE) {
        return;
    }
    for (i = 0; i < decimals; i++) {
        unit *= 10u;
    }
    m = magnitude(value);
    if (value < 0) {
        w_char(w, '-');
    }
    w_uint(w, m / unit, 1);
    if (decimals > 0) {
        w_char(w, '.');
        w_uint(w, m % unit, decimals);
    }
}

static const char HEX[] = "0123456789ABCDEF";

static void w_hex(writer *w, uint32_t value, uint8_t digits)
{
    while (digits > 0) {
        digits--;
        w_char(w, HEX[(value >> (4u * digits)) & 0xFu]);
    }
}

static int valid_callsign(const char *s)
{
    size_t n = 0;
    if (s == NULL) {
        return 0;
    }
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-';
        if (!ok || n >= 16) {
            return 0;
        }
    }
    return n > 0;
}

static int valid_extras(const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        if (*s < 0x20 || *s > 0x7e || *s == ',' || *s == '*' || *s == '$') {
            return 0;
        }
    }
    return 1;
}

/* Close a sentence started at buf[0] == '$': append *XX and CRLF. */
static size_t w_finish(writer *w)
{
    uint8_t sum;
    if (!w->ok || w->len < 1) {
        return 0;
    }
    sum = habp_nmea_checksum(w->buf + 1, w->len - 1);
    w_char(w, '*');
    w_hex(w, sum, 2);
    w_str(w, "\r\n");
    if (!w->ok || w->len > HABP_MAX_LINE) {
        if (w->cap > 0) {
            w->buf[0] = '\0';
        }
        return 0;
    }
    return w->len;
}

uint16_t habp_crc16(const uint8_t *data, size_t len, uint16_t crc)
{
    size_t i;
    uint8_t bit;
    for (i = 0; i < len; i++) {
        crc ^= (uint16_t)((uint16_t)data[i] << 8);
        for (bit = 0; bit < 8; bit++) {
            crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
        }
    }
    return crc;
}

uint8_t habp_nmea_checksum(const char *body, size_t len)
{
    uint8_t sum = 0;
    size_t i;
    for (i = 0; i < len; i++) {
        sum ^= (uint8_t)body[i];
    }
    return sum;
}

static void w_time(writer *w, const habp_report *r)
{
    if (!r->time_valid) {
        return;
    }
    w_uint(w, r->hour, 2);
    w_uint(w, r->minute, 2);
    w_uint(w, r->second, 2);
    w_char(w, '.');
    w_uint(w, r->centisecond, 2);
}

/* ddmm.mmmmm,H (degree_digits = 2) or dddmm.mmmmm,H (3), from 1e-7 degrees. */
static void w_position(writer *w, int32_t e7, uint8_t degree_digits, const char *hemispheres)
{
    uint32_t m = magnitude(e7);
    uint32_t degrees = m / 10000000u;
    uint32_t minutes5 = ((m % 10000000u) * 60u + 50u) / 100u; /* 1e-5 minute */
    if (minutes5 >= 6000000u) {
        degrees += 1u;
        minutes5 -= 6000000u;
    }
    w_uint(w, degrees, degree_digits);
    w_uint(w, minutes5 / 100000u, 2);
    w_char(w, '.');
    w_uint(w, minutes5 % 100000u, 5);
    w_char(w, ',');
    w_char(w, e7 < 0 ? hemispheres[1] : hemispheres[0]);
}

static int has_fix(const habp_report *r)
{
    return r->lat_e7 != HABP_NONE && r->lon_e7 != HABP_NONE;
}

static void w_latlon(writer *w, const habp_report *r)
{
    if (has_fix(r)) {
        w_position(w, r->lat_e7, 2, "NS");
        w_char(w, ',');
        w_position(w, r->lon_e7, 3, "EW");
    } else {
        w_str(w, ",,,");
    }
}

static int valid_talker(const char *t)
{
    return t != NULL && t[0] >= 'A' && t[0] <= 'Z' && t[1] >= 'A' && t[1] <= 'Z' && t[2] == '\0';
}

size_t habp_header_line(char *buf, size_t cap, const habp_report *r)
{
    writer w;
    w_init(&w, buf, cap);
    if (r == NULL || !valid_callsign(r->callsign) || !valid_extras(r->extras)) {
        return 0;
    }
    w_str(&w, "$PHABT,");
    w_str(&w, r->callsign);
    w_char(&w, ',');
    w_uint(&w, r->seq, 1);
    w_char(&w, ',');
    w_time(&w, r);
    w_char(&w, ',');
    w_fixed(&w, r->battery_cv, 2);
    w_char(&w, ',');
    w_fixed(&w, r->temp_int_dc, 1);
    w_char(&w, ',');
    w_fixed(&w, r->temp_ext_dc, 1);
    w_char(&w, ',');
    w_fixed(&w, r->pressure_pa, 2);
    w_char(&w, ',');
    w_str(&w, r->extras);
    return w_finish(&w);
}

size_t habp_gga_line(char *buf, size_t cap, const habp_report *r, const char *talker)
{
    writer w;
    w_init(&w, buf, cap);
    if (r == NULL || !valid_talker(talker)) {
        return 0;
    }
    w_char(&w, '$');
    w_str(&w, talker);
    w_str(&w, "GGA,");
    w_time(&w, r);
    w_char(&w, ',');
    w_latlon(&w, r);
    w_str(&w, has_fix(r) ? ",1," : ",0,");
    if (r->sats != HABP_NONE) {
        w_uint(&w, magnitude(r->sats), 2);
    }
    w_char(&w, ',');
    w_fixed(&w, r->hdop_d, 1);
    w_char(&w, ',');
    w_fixed(&w, r->alt_dm, 1);
    w_str(&w, r->alt_dm != HABP_NONE ? ",M,,,," : ",,,,,");
    return w_finish(&w);
}

size_t habp_rmc_line(char *buf, size_t cap, const habp_report *r, const char *talker)
{
    writer w;
    w_init(&w, buf, cap);
    if (r == NULL || !valid_talker(talker)) {
        return 0;
    }
    w_char(&w, '$');
    w_str(&w, talker);
    w_str(&w, "RMC,");
    w_time(&w, r);
    w_str(&w, has_fix(r) ? ",A," : ",V,");
    w_latlon(&w, r);
    w_char(&w, ',');
    if (r->speed_cmps != HABP_NONE) {
        uint32_t knots_centi = (magnitude(r->speed_cmps) * 900u + 231u) / 463u;
        w_fixed(&w, (int32_t)knots_centi, 2);
    }
    w_char(&w, ',');
    if (r->course_ddeg != HABP_NONE) {
        w_fixed(&w, (int32_t)(magnitude(r->course_ddeg) % 3600u), 1);
    }
    w_char(&w, ',');
    if (r->date_valid) {
        w_uint(&w, r->day, 2);
        w_uint(&w, r->month, 2);
        w_uint(&w, (uint32_t)(r->year % 100u), 2);
    }
    w_str(&w, has_fix(r) ? ",,,A" : ",,,N");
    return w_finish(&w);
}

size_t habp_end_line(char *buf, size_t cap, const char *callsign, uint16_t seq, uint16_t crc)
{
    writer w;
    w_init(&w, buf, cap);
    if (!valid_callsign(callsign)) {
        return 0;
    }
    w_str(&w, "$PHABE,");
    w_str(&w, callsign);
    w_char(&w, ',');
    w_uint(&w, seq, 1);
    w_char(&w, ',');
    w_hex(&w, crc, 4);
    return w_finish(&w);
}

size_t habp_packet(char *buf, size_t cap, const habp_report *r, const char *talker)
{
    size_t used = 0;
    size_t n;
    uint16_t crc;
    if (buf == NULL || cap == 0 || r == NULL) {
        return 0;
    }
    n = habp_header_line(buf, cap, r);
    if (n == 0) {
        return 0;
    }
    used += n;
    n = habp_gga_line(buf + used, cap - used, r, talker);
    if (n == 0) {
        buf[0] = '\0';
        return 0;
    }
    used += n;
    n = habp_rmc_line(buf + used, cap - used, r, talker);
    if (n == 0) {
        buf[0] = '\0';
        return 0;
    }
    used += n;
    crc = habp_crc16((const uint8_t *)buf, used, 0xFFFFu);
    n = habp_end_line(buf + used, cap - used, r->callsign, r->seq, crc);
    if (n == 0) {
        buf[0] = '\0';
        return 0;
    }
    return used + n;
}

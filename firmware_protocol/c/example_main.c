/*
 * Prints one protocol v1 packet for values given on the command line.
 *
 *   example_main CALLSIGN SEQ TIME LAT_E7 LON_E7 ALT_DM SPEED_CMPS COURSE_DDEG SATS HDOP_D \
 *                BATTERY_CV TEMP_INT_DC TEMP_EXT_DC PRESSURE_PA [EXTRAS]
 *
 * TIME is YYYY-MM-DDTHH:MM:SS.CC (UTC) and any number may be "-" for "not measured".
 * Example:
 *   ./example_main HAB1 42 2024-06-01T10:15:30.25 522123456 -1234567 123456 730 873 9 9 \
 *                  405 123 -456 18725 up=600
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "habproto.h"

static int parse_int(const char *text, int32_t *out)
{
    char *end = NULL;
    long value;
    if (strcmp(text, "-") == 0) {
        *out = HABP_NONE;
        return 1;
    }
    value = strtol(text, &end, 10);
    if (end == text || *end != '\0' || value <= (long)HABP_NONE || value > 2147483647L) {
        return 0;
    }
    *out = (int32_t)value;
    return 1;
}

static int parse_time(const char *text, habp_report *r)
{
    unsigned year, month, day, hour, minute, second, centi;
    if (strcmp(text, "-") == 0) {
        r->time_valid = 0;
        r->date_valid = 0;
        return 1;
    }
    if (sscanf(text, "%4u-%2u-%2uT%2u:%2u:%2u.%2u", &year, &month, &day, &hour, &minute,
               &second, &centi) != 7) {
        return 0;
    }
    r->year = (uint16_t)year;
    r->month = (uint8_t)month;
    r->day = (uint8_t)day;
    r->hour = (uint8_t)hour;
    r->minute = (uint8_t)minute;
    r->second = (uint8_t)second;
    r->centisecond = (uint8_t)centi;
    r->time_valid = 1;
    r->date_valid = 1;
    return 1;
}

int main(int argc, char **argv)
{
    habp_report r;
    int32_t seq = 0;
    int32_t *numbers[11];
    char packet[4 * HABP_MAX_LINE + 1];
    size_t n;
    int i;

    if (argc != 15 && argc != 16) {
        fprintf(stderr, "usage: %s CALLSIGN SEQ TIME LAT_E7 LON_E7 ALT_DM SPEED_CMPS "
                        "COURSE_DDEG SATS HDOP_D BATTERY_CV TEMP_INT_DC TEMP_EXT_DC "
                        "PRESSURE_PA [EXTRAS]\n", argv[0]);
        return 2;
    }
    memset(&r, 0, sizeof r);
    r.callsign = argv[1];
    r.extras = argc == 16 ? argv[15] : NULL;
    numbers[0] = &r.lat_e7;
    numbers[1] = &r.lon_e7;
    numbers[2] = &r.alt_dm;
    numbers[3] = &r.speed_cmps;
    numbers[4] = &r.course_ddeg;
    numbers[5] = &r.sats;
    numbers[6] = &r.hdop_d;
    numbers[7] = &r.battery_cv;
    numbers[8] = &r.temp_int_dc;
    numbers[9] = &r.temp_ext_dc;
    numbers[10] = &r.pressure_pa;
    if (!parse_int(argv[2], &seq) || seq < 0 || seq > 65535 || !parse_time(argv[3], &r)) {
        fprintf(stderr, "bad sequence number or time\n");
        return 2;
    }
    r.seq = (uint16_t)seq;
    for (i = 0; i < 11; i++) {
        if (!parse_int(argv[4 + i], numbers[i])) {
            fprintf(stderr, "bad number: %s\n", argv[4 + i]);
            return 2;
        }
    }
    n = habp_packet(packet, sizeof packet, &r, "GP");
    if (n == 0) {
        fprintf(stderr, "cannot encode these values\n");
        return 1;
    }
    fwrite(packet, 1, n, stdout);
    return 0;
}

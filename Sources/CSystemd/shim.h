#ifndef OVERLAYD_CSYSTEMD_SHIM_H
#define OVERLAYD_CSYSTEMD_SHIM_H

/* The journal handler passes CODE_FILE/CODE_LINE/CODE_FUNC of the Swift call
   site itself; without this, sd_journal_sendv would be a macro adding this
   header's location instead. */
#define SD_JOURNAL_SUPPRESS_LOCATION 1

#include <sys/uio.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <systemd/sd-bus.h>

#endif

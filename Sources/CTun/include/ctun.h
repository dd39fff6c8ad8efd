#ifndef CTUN_H
#define CTUN_H

/* The Linux calls the data plane needs that Swift cannot make directly:
 * ioctls with struct ifreq, and sendmsg/recvmsg with UDP_SEGMENT / UDP_GRO
 * control messages (CMSG_* are macros). Each function is one system call
 * or a fixed sequence of them; no logic lives here. Every function returns
 * 0 or a byte count on success and -errno on failure. */

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/types.h>

/* What TUNSETOFFLOAD was asked for (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6). */
#define CTUN_OFFLOADS 0x07

/* Opens /dev/net/tun; returns the fd. */
int ctun_open_device(void);

/* Makes `fd` one queue of the multi-queue TUN device `name` with IFF_TUN |
 * IFF_NO_PI | IFF_MULTI_QUEUE, and IFF_VNET_HDR plus TCP segmentation offload
 * when `offload` is non-zero. `exclusive` (the first queue) adds IFF_TUN_EXCL:
 * creating fails with EBUSY instead of joining a device someone else made. */
int ctun_attach_queue(int fd, const char *name, int offload, int exclusive);

/* 1 when an interface of that name exists, 0 when not. */
int ctun_interface_exists(const char *name);

/* Address (network byte order), prefix length, MTU, and up. */
int ctun_configure(const char *name, uint32_t address_be, int prefix_len, int mtu);

/* The interface's MTU, or -errno. */
int ctun_get_mtu(const char *name);

/* UDP socket bound to addr, SO_REUSEPORT so that one socket per queue can share
 * the port, UDP_GRO on, buffers of `buffer_bytes` (forced when privileged). */
int ctun_udp_open(const struct sockaddr *addr, socklen_t addr_len, int buffer_bytes, int reuse_port);

/* Whether the kernel accepts UDP_SEGMENT on this socket (1 or 0). */
int ctun_udp_gso_supported(int fd);

/* One sendmsg of `len` bytes to `to`; when segment_size > 0 the kernel cuts
 * the buffer into datagrams of that size (UDP_SEGMENT). */
ssize_t ctun_udp_send(int fd, const void *buf, size_t len, const struct sockaddr *to, socklen_t to_len, uint16_t segment_size);

/* One recvmsg; `segment_size` gets the UDP_GRO size of a coalesced train
 * (0 when the read holds one datagram). */
ssize_t ctun_udp_recv(int fd, void *buf, size_t cap, struct sockaddr_storage *from, socklen_t *from_len, int *segment_size);

/* read()/write() that retry on EINTR and return -errno (-EAGAIN when a
 * non-blocking fd has nothing). */
ssize_t ctun_read(int fd, void *buf, size_t cap);
ssize_t ctun_write(int fd, const void *buf, size_t len);

/* Makes an fd non-blocking, so a worker can poll with a timeout and notice a stop. */
int ctun_set_nonblocking(int fd);

/* poll() one fd for input with a timeout; 1 readable, 0 timeout, -errno. */
int ctun_wait_readable(int fd, int timeout_ms);

/* Names the calling thread (15 bytes at most) for top -H and perf. */
int ctun_set_thread_name(const char *name);

#endif

#define _GNU_SOURCE
#include "ctun.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <netinet/udp.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

int ctun_open_device(void) {
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int ctun_attach_queue(int fd, const char *name, int offload, int exclusive) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE | (offload ? IFF_VNET_HDR : 0) | (exclusive ? IFF_TUN_EXCL : 0);
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) return -errno;
    if (offload) {
        int size = 10; /* struct virtio_net_hdr, without num_buffers */
        if (ioctl(fd, TUNSETVNETHDRSZ, &size) < 0 || ioctl(fd, TUNSETOFFLOAD, (unsigned long)CTUN_OFFLOADS) < 0) return -errno;
    }
    return 0;
}

int ctun_interface_exists(const char *name) {
    return if_nametoindex(name) != 0;
}

static int ifreq_ioctl(unsigned long request, struct ifreq *ifr) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -errno;
    int rc = ioctl(s, request, ifr);
    int e = errno;
    close(s);
    return rc < 0 ? -e : 0;
}

int ctun_configure(const char *name, uint32_t address_be, int prefix_len, int mtu) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = address_be;
    int rc = ifreq_ioctl(SIOCSIFADDR, &ifr);
    if (rc < 0) return rc;
    sin->sin_addr.s_addr = prefix_len == 0 ? 0 : htonl(0xffffffffu << (32 - prefix_len));
    if ((rc = ifreq_ioctl(SIOCSIFNETMASK, &ifr)) < 0) return rc;
    memset(&ifr.ifr_ifru, 0, sizeof(ifr.ifr_ifru));
    ifr.ifr_mtu = mtu;
    if ((rc = ifreq_ioctl(SIOCSIFMTU, &ifr)) < 0) return rc;
    memset(&ifr.ifr_ifru, 0, sizeof(ifr.ifr_ifru));
    if ((rc = ifreq_ioctl(SIOCGIFFLAGS, &ifr)) < 0) return rc;
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    return ifreq_ioctl(SIOCSIFFLAGS, &ifr);
}

int ctun_get_mtu(const char *name) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    int rc = ifreq_ioctl(SIOCGIFMTU, &ifr);
    return rc < 0 ? rc : ifr.ifr_mtu;
}

int ctun_udp_open(const struct sockaddr *addr, socklen_t addr_len, int buffer_bytes, int reuse_port) {
    int fd = socket(addr->sa_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -errno;
    int one = 1;
    if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) goto fail;
    if (addr->sa_family == AF_INET6) {
        int zero = 0; /* one socket for both families when bound to :: */
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
    }
    if (bind(fd, addr, addr_len) < 0) goto fail;
    /* Privileged processes get the size asked for; others whatever rmem_max allows. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer_bytes, sizeof(buffer_bytes)) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof(buffer_bytes));
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buffer_bytes, sizeof(buffer_bytes)) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer_bytes, sizeof(buffer_bytes));
    (void)setsockopt(fd, IPPROTO_UDP, UDP_GRO, &one, sizeof(one));
    return fd;
fail:;
    int e = errno;
    close(fd);
    return -e;
}

int ctun_udp_gso_supported(int fd) {
    int size = 0;
    socklen_t len = sizeof(size);
    return getsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &size, &len) == 0;
}

ssize_t ctun_udp_send(int fd, const void *buf, size_t len, const struct sockaddr *to, socklen_t to_len, uint16_t segment_size) {
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
    union {
        char buf[CMSG_SPACE(sizeof(uint16_t))];
        struct cmsghdr align;
    } control;
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_name = (void *)to;
    msg.msg_namelen = to_len;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (segment_size > 0 && len > segment_size) {
        memset(&control, 0, sizeof(control));
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof(control.buf);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_UDP;
        cm->cmsg_type = UDP_SEGMENT;
        cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        memcpy(CMSG_DATA(cm), &segment_size, sizeof(segment_size));
    }
    /* A full send buffer is waited out briefly, a few times, then reported: the caller drops
     * the train and can notice a stop. */
    for (int tries = 0;;) {
        ssize_t n = sendmsg(fd, &msg, 0);
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        if ((errno == EAGAIN || errno == ENOBUFS) && ++tries <= 5) {
            struct pollfd p = { .fd = fd, .events = POLLOUT };
            (void)poll(&p, 1, 20);
            continue;
        }
        return -errno;
    }
}

ssize_t ctun_udp_recv(int fd, void *buf, size_t cap, struct sockaddr_storage *from, socklen_t *from_len, int *segment_size) {
    struct iovec iov = { .iov_base = buf, .iov_len = cap };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_name = from;
    msg.msg_namelen = sizeof(*from);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof(control.buf);
    *segment_size = 0;
    ssize_t n;
    do { n = recvmsg(fd, &msg, 0); } while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    *from_len = msg.msg_namelen;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO) {
            memcpy(segment_size, CMSG_DATA(cm), sizeof(int));
        }
    }
    return n;
}

ssize_t ctun_read(int fd, void *buf, size_t cap) {
    ssize_t n;
    do { n = read(fd, buf, cap); } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

ssize_t ctun_write(int fd, const void *buf, size_t len) {
    ssize_t n;
    do { n = write(fd, buf, len); } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

int ctun_set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return -errno;
    return 0;
}

int ctun_wait_readable(int fd, int timeout_ms) {
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int rc = poll(&p, 1, timeout_ms);
    if (rc < 0) return errno == EINTR ? 0 : -errno;
    return rc;
}

int ctun_set_thread_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0) < 0 ? -errno : 0;
}

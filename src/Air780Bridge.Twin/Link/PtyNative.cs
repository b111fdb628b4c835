using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Air780Bridge.Twin.Link;

/// <summary>The libc calls behind Linux pseudo-terminals (<see cref="RawPty"/>, <see cref="PtyLink"/>).</summary>
internal static class PtyNative
{
    public const int O_RDWR = 2, O_NOCTTY = 0x100, TCSANOW = 0, EINTR = 4, EAGAIN = 11;
    public const short POLLIN = 1, POLLOUT = 4;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd { public int fd; public short events; public short revents; }

    [DllImport("libc", SetLastError = true)] public static extern int posix_openpt(int flags);
    [DllImport("libc", SetLastError = true)] public static extern int grantpt(int fd);
    [DllImport("libc", SetLastError = true)] public static extern int unlockpt(int fd);
    [DllImport("libc", SetLastError = true)] public static extern int ptsname_r(int fd, byte[] buf, nuint len);
    [DllImport("libc", SetLastError = true)] public static extern int tcgetattr(int fd, byte[] termios);
    [DllImport("libc")] public static extern void cfmakeraw(byte[] termios);
    [DllImport("libc", SetLastError = true)] public static extern int tcsetattr(int fd, int action, byte[] termios);
    [DllImport("libc", SetLastError = true)] public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    [DllImport("libc", SetLastError = true)] public static extern nint read(int fd, byte[] buf, nint count);
    [DllImport("libc", SetLastError = true)] public static extern nint write(int fd, byte[] buf, nint count);
    [DllImport("libc", SetLastError = true)] public static extern int close(int fd);
    [DllImport("libc", SetLastError = true)] public static extern int pipe(int[] fds);
    [DllImport("libc", SetLastError = true)] public static extern int poll([In, Out] PollFd[] fds, nuint nfds, int timeout);

    public static Win32Exception Error(string call) =>
        new(Marshal.GetLastPInvokeError(), $"{call} failed on a pseudo-terminal");
}

using Air780Bridge.Client.Transport;

namespace Air780Bridge.Client.Tests;

/// <summary>How LuatOS ports are recognised off Linux: the parsers fed what Windows and macOS report.</summary>
public class SerialPortsTests
{
    [Theory]
    [InlineData(@"VID_19D1&PID_0001&MI_06", "19D1", "0001", "06", true)]
    [InlineData(@"VID_19d1&PID_0001&MI_02", "19D1", "0001", "02", false)]
    [InlineData(@"VID_0403&PID_6001", "0403", "6001", null, false)]
    public void Windows_usb_device_ids_give_vendor_product_and_interface(string id, string vid, string pid, string? mi, bool agent)
    {
        var info = SerialPorts.ParseWindowsDeviceId("COM7", id)!;
        Assert.Equal(new SerialPortInfo("COM7", vid, pid, mi), info);
        Assert.Equal(agent, info.IsLuatosAgent);
    }

    [Fact]
    public void Non_usb_windows_ids_are_not_usb_ports() => Assert.Null(SerialPorts.ParseWindowsDeviceId("COM1", @"ACPI\PNP0501"));

    // The shape of `ioreg -r -c IOUSBHostDevice -l -w 0`: each node's properties follow its "+-o" line; a port is the
    // IOSerialBSDClient under an interface under the device.
    private const string Ioreg = """
        +-o Air780E@01100000  <class IOUSBHostDevice, id 0x100000a01, registered, matched, active, busy 0 (12 ms), retain 32>
          | {
          |   "idProduct" = 1
          |   "idVendor" = 6609
          | }
          |
          +-o IOUSBHostInterface@2  <class IOUSBHostInterface, id 0x100000a05, registered, matched, active, busy 0 (3 ms), retain 8>
          | | {
          | |   "bInterfaceNumber" = 2
          | | }
          | +-o AppleUSBACMData  <class AppleUSBACMData, id 0x100000a20, registered, matched, active, busy 0 (0 ms), retain 7>
          |   +-o IOSerialBSDClient  <class IOSerialBSDClient, id 0x100000a22, registered, matched, active, busy 0 (0 ms), retain 6>
          |       {
          |         "IOCalloutDevice" = "/dev/cu.usbmodem11102"
          |       }
          +-o IOUSBHostInterface@6  <class IOUSBHostInterface, id 0x100000a07, registered, matched, active, busy 0 (3 ms), retain 8>
            | {
            |   "bInterfaceNumber" = 6
            | }
            +-o AppleUSBACMData  <class AppleUSBACMData, id 0x100000a24, registered, matched, active, busy 0 (0 ms), retain 7>
              +-o IOSerialBSDClient  <class IOSerialBSDClient, id 0x100000a26, registered, matched, active, busy 0 (0 ms), retain 6>
                  {
                    "IOCalloutDevice" = "/dev/cu.usbmodem11106"
                  }
        +-o FT232R@01200000  <class IOUSBHostDevice, id 0x100000b01, registered, matched, active, busy 0 (12 ms), retain 20>
          | {
          |   "idProduct" = 24577
          |   "idVendor" = 1027
          | }
          +-o IOSerialBSDClient  <class IOSerialBSDClient, id 0x100000b22, registered, matched, active, busy 0 (0 ms), retain 6>
              {
                "IOCalloutDevice" = "/dev/cu.usbserial-A1"
              }
        """;

    [Fact]
    public void Ioreg_output_marks_the_agent_interface_of_a_luatos_module()
    {
        var ports = SerialPorts.ParseIoreg(Ioreg);
        Assert.Equal(new SerialPortInfo("/dev/cu.usbmodem11106", "19D1", "0001", "06"), ports["/dev/cu.usbmodem11106"]);
        Assert.True(ports["/dev/cu.usbmodem11106"].IsLuatosAgent);
        Assert.False(ports["/dev/cu.usbmodem11102"].IsLuatosAgent);
        Assert.Equal(new SerialPortInfo("/dev/cu.usbserial-A1", "0403", "6001", null), ports["/dev/cu.usbserial-A1"]);
    }
}

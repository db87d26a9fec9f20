// A fiscal day driven by the independent ATOL client atol4j (github.com/kurbatov/atol4j, GPLv3), which is
// not part of this project: tests/interop/test_atol4j.py compiles this file against a build of it named by
// ATOL4J_CLASSPATH. Only atol4j's public API is used; EA/EB, which atol4j has no command for, go through its
// BasicCommand with bytes laid out here.
//
// usage: java FiscalDay tcp HOST PORT | java FiscalDay serial /dev/pts/N
// Prints one line per step: "OK <step> <details>" or "FAIL <step> <why>"; exits 0 when every step passed.

import com.github.kurbatov.atol4j.CashRegister;
import com.github.kurbatov.atol4j.command.BasicCommand;
import com.github.kurbatov.atol4j.command.Result;
import com.github.kurbatov.atol4j.command.common.request.DeviceStateRequest;
import com.github.kurbatov.atol4j.command.registration.CloseBillCommand;
import com.github.kurbatov.atol4j.command.registration.OpenBillCommand;
import com.github.kurbatov.atol4j.command.registration.RemittanceCommand;
import com.github.kurbatov.atol4j.transport.NetworkTransport;
import com.github.kurbatov.atol4j.transport.SerialTransport;
import com.github.kurbatov.atol4j.transport.Transport;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

public class FiscalDay {
    static final byte[] SYSADMIN = {0x00, 0x00, 0x00, 0x30};
    static int failures = 0;

    static Object step(String name, CompletableFuture<?> future, long seconds) {
        try {
            Object result = future.get(seconds, TimeUnit.SECONDS);
            if (result instanceof Result && ((Result) result).hasError()) {
                Result r = (Result) result;
                failures++;
                System.out.println("FAIL " + name + " device error " + r.getErrorCode() + " " + r.getErrorMessage());
            } else {
                System.out.println("OK " + name);
            }
            System.out.flush();
            return result;
        } catch (Exception e) {
            failures++;
            System.out.println("FAIL " + name + " " + e);
            System.out.flush();
            return null;
        }
    }

    /** Packed BCD, most significant byte first. */
    static byte[] bcd(long value, int width) {
        byte[] out = new byte[width];
        for (int i = width - 1; i >= 0; i--) {
            out[i] = (byte) ((value % 10) | ((value / 10 % 10) << 4));
            value /= 100;
        }
        return out;
    }

    /** EB: flags, price 7, quantity 5, amount 7, VAT, VAT sum 7, section, subject, method, sign, discount 7, 2, name. */
    static BasicCommand endPosition(String name, long price, long quantityMilli, long amount, int vat) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0xEB);
        b.write(0x00);
        b.writeBytes(bcd(price, 7));
        b.writeBytes(bcd(quantityMilli, 5));
        b.writeBytes(bcd(amount, 7));
        b.write(vat);
        b.writeBytes(new byte[7]);
        b.write(0x00);  // section
        b.write(0x01);  // 1212: товар (BCD 01)
        b.write(0x04);  // 1214: полный расчёт (BCD 04)
        b.write(0x00);
        b.writeBytes(new byte[7]);
        b.writeBytes(new byte[2]);
        b.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
        return new BasicCommand(b.toByteArray());
    }

    public static void main(String[] args) throws Exception {
        Transport transport = args[0].equals("tcp")
                ? new NetworkTransport(args[1], Integer.parseInt(args[2]))
                : new SerialTransport(args[1]);
        CashRegister kkt = new CashRegister(transport, new byte[] {0x00, 0x00});
        try {
            step("connect", kkt.connect(), 20);
            Object state = step("status", kkt.request().deviceState(), 10);
            if (state instanceof DeviceStateRequest.Response) {
                DeviceStateRequest.Response s = (DeviceStateRequest.Response) state;
                System.out.println("INFO status fiscalised=" + s.isFiscalized() + " shift_open=" + s.isShiftOpen()
                        + " mode=" + s.getMode() + "." + s.getSubMode());
            }
            step("shift state (A4 10)", kkt.request().shiftState(), 10);
            step("FN number (A4 31)", kkt.request().fiscalMemoryNumber(), 10);
            step("firmware version (9D)", kkt.request().firmwareVersionCPU(), 10);
            step("security code (74)", kkt.request().securityCodeState((byte) 1), 10);
            step("register 17 (91)", kkt.request().registerValue((byte) 17), 10);
            step("mode and open shift (56 01, 9A, 48)", kkt.command()
                    .registration(SYSADMIN)
                    .openShift()
                    .resetMode()
                    .execute(), 20);
            step("receipt with E6 (92, E6, 99, 4A, 48)", kkt.command()
                    .registration(SYSADMIN)
                    .openBill(OpenBillCommand.INCOME)
                    .registerItem("Milk", 8990, 2000)
                    .append(new RemittanceCommand(10000, RemittanceCommand.CASHLESS, false))
                    .closeBill(0, CloseBillCommand.CASH, false)
                    .resetMode()
                    .execute(), 30);
            step("receipt with EA/EB (92, EA, EB, 99, 4A, 48)", kkt.command()
                    .registration(SYSADMIN)
                    .openBill(OpenBillCommand.INCOME)
                    .append(new BasicCommand((byte) 0xEA, (byte) 0x00, (byte) 0x01, (byte) 0x00))
                    .append(endPosition("Coffee", 15000, 1000, 15000, 6))
                    .append(new RemittanceCommand(5000, RemittanceCommand.CASHLESS, false))
                    .closeBill(0, CloseBillCommand.CASH, false)
                    .resetMode()
                    .execute(), 30);
            step("last shift totals (58)", kkt.request().lastShiftResult(), 10);
            step("register 51 (91)", kkt.request().registerValue((byte) 51), 10);
            step("X report (56 02, 67 01, 48)", kkt.command().report(SYSADMIN).printReport((byte) 1).execute(), 30);
            step("Z report (56 03, 5A, 48)", kkt.command().report(SYSADMIN).closeShiftWithReport().execute(), 40);
            Object after = step("status after Z", kkt.request().deviceState(), 10);
            if (after instanceof DeviceStateRequest.Response) {
                DeviceStateRequest.Response s = (DeviceStateRequest.Response) after;
                System.out.println("INFO after shift_open=" + s.isShiftOpen() + " mode=" + s.getMode());
            }
            step("last error (B3)", kkt.request().lastError(), 10);
        } finally {
            kkt.disconnect();
        }
        System.out.println(failures == 0 ? "DONE" : "FAILED " + failures);
        System.exit(failures == 0 ? 0 : 1);
    }
}

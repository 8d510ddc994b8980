package io.skein.cli;

import io.skein.client.ChannelFactory;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/** One run of the {@code skein} command line in this JVM: its exit code and what it printed. */
record CliRun(int exitCode, String out, String err) {

  static CliRun of(ChannelFactory channelFactory, String stdin, String... args) {
    StringWriter outText = new StringWriter();
    StringWriter errText = new StringWriter();
    SkeinCli cli = new SkeinCli(channelFactory, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
    int exitCode = SkeinCli.run(cli, args, new PrintWriter(outText), new PrintWriter(errText));
    return new CliRun(exitCode, outText.toString(), errText.toString());
  }
}

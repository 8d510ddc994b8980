package io.skein.cli;

import io.skein.client.HostPort;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Checks {@code --bootstrap-server host:port[,host:port...]} strictly, as a usage error. */
final class BootstrapServerConverter implements ITypeConverter<String> {

  @Override
  public String convert(String value) {
    try {
      return HostPort.parseList(value).stream().map(HostPort::toString).collect(Collectors.joining(","));
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}

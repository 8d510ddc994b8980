# Skein broker image.   docker build -t skein:0.1.0-SNAPSHOT .
# Runs `skein broker --config /etc/skein/skein.conf` as an unprivileged user; mount your
# configuration at /etc/skein and a volume at /var/lib/skein (partition logs, journal).

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Dependencies first: they change less often than the sources, so this layer is reused.
COPY pom.xml .
RUN mvn -B -q dependency:go-offline || true
COPY src ./src
RUN mvn -B -q -DskipTests package \
    && cp target/skein-*.jar target/lib/skein.jar

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 skein \
    && useradd --system --uid 10001 --gid skein --home-dir /var/lib/skein --shell /usr/sbin/nologin skein \
    && mkdir -p /var/lib/skein /etc/skein \
    && chown skein:skein /var/lib/skein
COPY --from=build /src/target/lib/ /opt/skein/lib/
COPY docker/skein /opt/skein/bin/skein
COPY docker/skein.conf /etc/skein/skein.conf
ENV PATH="/opt/skein/bin:${PATH}" \
    JAVA_OPTS="-XX:MaxRAMPercentage=70 -Dconfig.override_with_env_vars=true"
USER 10001:10001
WORKDIR /var/lib/skein
VOLUME ["/var/lib/skein"]
# Kafka clients, gRPC clients, Akka remoting, Akka management (bootstrap, /ready, /alive)
EXPOSE 9092 9095 25520 8558
ENTRYPOINT ["skein", "broker"]
CMD ["--config", "/etc/skein/skein.conf"]

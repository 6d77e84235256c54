# Reference camera gateway image. Build from the repository root:
#   docker build -f deploy/gateway.Dockerfile -t dispatch-gateway .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Dispatch.Gateway -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/runtime:10.0
# libgtk-3-0: the native OpenCV runtime (analytics) links against it; ffmpeg with libvpx encodes the event clips.
RUN apt-get update && apt-get install -y --no-install-recommends libgtk-3-0 ffmpeg && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
# Alerts not yet acknowledged by any host survive a restart here: mount a volume.
VOLUME /spool
ENTRYPOINT ["dotnet", "Dispatch.Gateway.dll"]

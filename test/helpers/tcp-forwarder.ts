import { createServer, connect, type Server, type Socket } from 'node:net'
import { once } from 'node:events'

export interface TcpForwarder {
  port: number
  /** Closes every connection and stops listening: the service has gone away. */
  cut: () => Promise<void>
  /** Listens again on the same port: the service is back. */
  restore: () => Promise<void>
  close: () => Promise<void>
}

/** A TCP forwarder to a service (Postgres, Redis) that a test can cut and restore, as the service going away and coming back. */
export async function startTcpForwarder (host: string, targetPort: number): Promise<TcpForwarder> {
  const sockets = new Set<Socket>()
  let server: Server | undefined
  let port = 0
  const listen = async (): Promise<void> => {
    server = createServer((client) => {
      const upstream = connect(targetPort, host)
      sockets.add(client).add(upstream)
      client.pipe(upstream).pipe(client)
      const end = (): void => { client.destroy(); upstream.destroy() }
      client.on('error', end).on('close', end)
      upstream.on('error', end).on('close', end)
    })
    server.listen(port, '127.0.0.1')
    await once(server, 'listening')
    port = (server.address() as { port: number }).port
  }
  const cut = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy()
    sockets.clear()
    const closing = server
    server = undefined
    if (closing !== undefined) await new Promise((resolve) => closing.close(resolve))
  }
  await listen()
  return { get port () { return port }, cut, restore: listen, close: cut }
}

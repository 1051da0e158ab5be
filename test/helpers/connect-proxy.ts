import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { once } from 'node:events'

export interface ConnectProxy {
  url: string
  /** `host:port` of every CONNECT the proxy accepted, in order. */
  tunnels: string[]
  close: () => Promise<void>
}

/** A real forward proxy for tests: answers CONNECT by opening a TCP tunnel (or refusing with `refuseWith`). */
export async function startConnectProxy (options: { refuseWith?: number } = {}): Promise<ConnectProxy> {
  const tunnels: string[] = []
  const sockets = new Set<Socket>()
  const server: Server = createServer((_request, response) => { response.writeHead(405).end() })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.on('connect', (request, client: Socket, head) => {
    if (options.refuseWith !== undefined) {
      client.end(`HTTP/1.1 ${options.refuseWith} Refused\r\n\r\n`)
      return
    }
    const [host, port] = (request.url ?? '').split(':')
    tunnels.push(request.url ?? '')
    const upstream = connect(Number(port), host ?? '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.once('close', () => sockets.delete(upstream))
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    }
  }
}

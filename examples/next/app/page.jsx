// The home page: points at the webhook route.
export default function Home() {
  return <p>Webhooks are received at POST /api/webhooks.</p>;
}

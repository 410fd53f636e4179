import { useToasts } from "../components/Toasts";
import { useLiveMessages } from "./useLive";

function ticker(data: Record<string, unknown>): string {
  return typeof data["market_ticker"] === "string" ? data["market_ticker"] : "unknown market";
}

/** Turns live messages into toasts: positions opened/closed, kill switch, bot errors. */
export function LiveToasts() {
  const { push } = useToasts();
  useLiveMessages((message) => {
    const { data } = message;
    switch (message.type) {
      case "NEW_POSITION":
        push({ kind: "success", text: `Position opened: ${ticker(data)}` });
        break;
      case "POSITION_CLOSED":
        push({ kind: "info", text: `Position closed: ${ticker(data)}` });
        break;
      case "KILL_SWITCH":
        if (data["tripped"] === true || data["state"] === "TRIPPED") push({ kind: "error", text: "Kill switch tripped" });
        else push({ kind: "info", text: "Kill switch reset" });
        break;
      case "BOT_STATUS":
        if (data["state"] === "ERROR") {
          const reason = typeof data["reason"] === "string" ? `: ${data["reason"]}` : "";
          push({ kind: "error", text: `Bot ${String(data["bot_id"] ?? "")} stopped with an error${reason}` });
        }
        break;
      default:
        break;
    }
  });
  return null;
}

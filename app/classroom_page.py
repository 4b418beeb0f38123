"""The classroom's pages (Solara): the trainer's console and the players' join and play pages.

Served by ``python -m app.classroom`` (``make classroom``); the session is
:data:`app.classroom.current`, one for the whole server. Routes:

- ``/`` – join: the join code (prefilled from the QR code's ``?code=``) and a nickname; a player
  who joins is sent to their own address ``/play?t=<token>``;
- ``/play?t=<token>`` – the player's page, made for a phone. The token in the address is the
  player: reopening the address (after a closed tab or a dropped network) gives the same resident
  back;
- ``/console?key=<trainer key>`` – the trainer's console (the key is printed in the terminal).

Every page follows the session: a thread per page waits on :meth:`Session.wait` and re-renders
its page when the session changes (a player joined or answered, a round closed, a lever moved).
A player's page also tells the session it is alive (:meth:`Session.seen`) while its browser is
connected; a closed or disconnected page stops, and the player counts as disconnected.
Countdowns run in the browser (CSS animation) so no page re-renders every second.

Nothing a visitor types reaches the model unchecked: the pages only call :class:`Session` methods,
which validate (:mod:`app.classroom`); nicknames are escaped wherever they are shown.
"""

from __future__ import annotations

import html
import math
import threading
from urllib.parse import parse_qs

import numpy as np
import solara
import solara.server.kernel_context as kernel_context

from app import classroom as C
from app import draw
from app import levers as L
from app.layout import structural_layout
from app.run import categories

SEEN_INTERVAL = 1.0
"""Seconds between a player page's signs of life (well under :data:`app.classroom.PRESENCE_TIMEOUT`)."""

CSS = """
.cr { font-size: 18px; color: #111; padding: 8px 14px; }
.cr h1 { font-size: 28px; font-weight: 600; margin: 4px 0; }
.cr h2 { font-size: 22px; font-weight: 600; margin: 6px 0; }
.cr .v-btn { text-transform: none !important; letter-spacing: 0 !important; font-size: 18px !important; }
.cr .v-input__details { display: none !important; }
.console-grid { display: grid; grid-template-columns: 420px minmax(0, 1fr); gap: 18px; align-items: start; }
.joinbox { border: 2px solid #0072B2; border-radius: 10px; padding: 10px; background: #fff; text-align: center; }
.joinbox .url { font-size: 22px; font-weight: 600; word-break: break-all; }
.joinbox .code { font-size: 54px; font-weight: 800; letter-spacing: 6px; font-family: monospace; }
.joinbox svg { width: 230px; height: 230px; }
.status { font-size: 22px; margin: 6px 0; }
.players { border-collapse: collapse; width: 100%; font-size: 17px; }
.players td, .players th { border-bottom: 1px solid #ddd; padding: 3px 6px; text-align: left; }
.dot-on { color: #009E73; font-weight: 700; } .dot-off { color: #D55E00; font-weight: 700; }
.timebar { height: 10px; background: #E69F00; border-radius: 5px; transform-origin: left; }
@property --secs { syntax: '<integer>'; initial-value: 0; inherits: true; }
.countdown::after { counter-reset: secs var(--secs); content: counter(secs); }
.panel { border: 1px solid #ddd; border-radius: 8px; padding: 6px 10px; background: #fff; margin-bottom: 10px; }
.debrief { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 12px; }
.debrief-panel table { font-size: 20px; border-collapse: collapse; }
.debrief-panel td, .debrief-panel th { padding: 4px 10px; border-bottom: 1px solid #ddd; }
.legend { display: flex; gap: 16px; font-size: 18px; flex-wrap: wrap; }
.phone { max-width: 480px; margin: 0 auto; font-size: 18px; }
.phone .big { font-size: 24px; font-weight: 700; }
.phone table { width: 100%; border-collapse: collapse; font-size: 17px; }
.phone td, .phone th { border-bottom: 1px solid #eee; padding: 3px 4px; text-align: left; }
.outcome { background: #FFF6E5; border: 2px solid #E69F00; border-radius: 8px; padding: 6px 10px; margin: 6px 0; }
.outcome.person { background: #EAF4FB; border-color: #0072B2; }
.sent { color: #005A8C; font-weight: 600; margin: 4px 0; }
.refused { color: #8A2A00; font-weight: 600; margin: 4px 0; }
"""


def session() -> C.Session | None:
    return C.current


def query(name: str) -> str | None:
    """A parameter of the page's address (``?name=...``), or None."""
    search = solara.use_router().search or ""
    values = parse_qs(search).get(name)
    return values[0] if values else None


def use_session_version(s: C.Session, token: str | None = None) -> None:
    """Re-render the component when the session changes what it shows; with ``token``, also tell
    the session this player's page is alive while its browser is connected.

    The console re-renders at every change of the session (``version``); a player's page only
    when :meth:`Session.player_key` changes (a new round, a lever, their own answer), not at
    every other player's answer: 30 players would otherwise cost 30 × 30 re-renders a round.
    """
    def key():
        return s.version if token is None else s.player_key(token)

    shown = solara.use_reactive(key())
    context = kernel_context.get_current_context()

    def follow(cancel: threading.Event):
        seen, version = -math.inf, s.version
        while not cancel.is_set() and not context.closed_event.is_set():
            if token is not None and kernel_context.PageStatus.CONNECTED in context.page_status.values():
                now = s.clock()
                if now - seen >= SEEN_INTERVAL:
                    try:
                        s.seen(token)
                    except C.Refused:
                        return
                    seen = now
            version = s.wait(version, SEEN_INTERVAL if token is not None else 5.0)
            now_key = key()
            if now_key != shown.value:
                shown.value = now_key

    solara.use_thread(follow, dependencies=[token], intrusive_cancel=False)

    def on_close():
        if token is not None:
            s.left(token)

    def register():
        context.on_close(on_close)

    solara.use_effect(register, [token])
    shown.value  # noqa: B018 - read while rendering: a change of it re-renders the component


def countdown(seconds: float | None, key: str) -> str:
    """A bar and a seconds counter that run down in the browser (no re-render needed)."""
    if seconds is None:
        return ""
    n = int(math.ceil(seconds))
    name = f"cd{abs(hash(key)) % 10**8}_{n}"
    return (f"<style>@keyframes {name} {{ from {{ --secs: {n}; }} to {{ --secs: 0; }} }}"
            f"@keyframes {name}b {{ from {{ transform: scaleX(1); }} to {{ transform: scaleX(0); }} }}</style>"
            f"<div>Time left: <b><span class='countdown' style='animation: {name} {n}s linear forwards'></span>"
            f" s</b></div><div class='timebar' style='animation: {name}b {n}s linear forwards'></div>")


# ------------------------------------------------------------------------------------------ join
@solara.component
def JoinPage():
    """Type the code and a nickname; on success go to the player's own address."""
    solara.Title("cogov classroom · join")
    solara.Style(CSS)
    s = session()
    router = solara.use_router()
    code = solara.use_reactive(query("code") or "")
    nickname = solara.use_reactive("")
    message = solara.use_reactive(None)
    if s is None:
        solara.Error("No classroom session is running on this server.")
        return

    def join():
        try:
            player = s.join(code.value, nickname.value)
        except C.Refused as e:
            message.value = str(e)
            return
        router.push(f"/play?t={player.token}")

    with solara.Div(classes=["cr", "phone"]):
        solara.HTML(tag="h1", unsafe_innerHTML="Join the classroom")
        solara.InputText("Join code", value=code, continuous_update=True, classes=["join-code"])
        solara.InputText("Nickname", value=nickname, continuous_update=True, classes=["nickname"])
        solara.Button("Join", on_click=join, color="primary", classes=["join-button"])
        if message.value:
            solara.HTML(tag="div", classes=["refused"], attributes={"id": "join-message"},
                        unsafe_innerHTML=html.escape(message.value))


# ------------------------------------------------------------------------------------------ play
@solara.component
def PlayPage():
    """A player's page for a phone: the resident, the round, the answer."""
    solara.Title("cogov classroom · your resident")
    solara.Style(CSS)
    s = session()
    token = query("t")
    player = s.player(token) if s is not None else None
    if player is None:
        with solara.Div(classes=["cr", "phone"]):
            solara.Error("This address is not a player's of this session.")
            solara.HTML(tag="a", attributes={"href": "/"}, unsafe_innerHTML="Join with the code")
        return
    Play(s, token)


@solara.component
def Play(s: C.Session, token: str):
    use_session_version(s, token)
    v = s.view(token)
    hours = solara.use_reactive("")
    targets = solara.use_reactive(())
    message = solara.use_reactive(None)
    refused = solara.use_reactive(False)
    def new_round():
        message.set(None)
        targets.set(())

    solara.use_effect(new_round, [v["round"]])

    def send():
        try:
            text = s.answer(token, hours.value, targets.value)
        except C.Refused as e:
            message.value, refused.value = str(e), True
            return
        message.value, refused.value = text, False

    def toggle(resident: int, on: bool):
        chosen = set(targets.value)
        chosen.add(resident) if on else chosen.discard(resident)
        targets.value = tuple(sorted(chosen))

    with solara.Div(classes=["cr", "phone"]):
        solara.HTML(tag="div", attributes={"id": "me", "data-resident": str(v["resident"]),
                                           "data-player": str(v["number"])}, unsafe_innerHTML=(
            f"<div class='big'>Player {v['number']} · {html.escape(v['nickname'])}</div>"
            f"<div>You are resident {html.escape(v['label'])}.</div>"))
        round_html = (f"<div class='big'>Round {v['round']} <span style='font-weight:400'>(month {v['month'] + 1})"
                      "</span></div>" if v["round"] else "<div class='big'>Waiting for the trainer to start…</div>")
        if v["ended"]:
            round_html = "<div class='big'>The session has ended. Look at the debrief on the screen.</div>"
        solara.HTML(tag="div", attributes={"id": "round", "data-round": str(v["round"]),
                                           "data-ended": str(v["ended"]).lower()},
                    unsafe_innerHTML=round_html + countdown(v["seconds_left"], f"{token}{v['round']}"))
        if v["outcome"]:
            solara.HTML(tag="div", classes=["outcome", v["outcome"]["decided_by"]],
                        attributes={"id": "outcome", "data-decided-by": v["outcome"]["decided_by"],
                                    "data-round": str(v["outcome"]["round"])},
                        unsafe_innerHTML=outcome_text(v["outcome"]))
        solara.HTML(tag="div", attributes={"id": "payoff"}, unsafe_innerHTML=(
            f"Your payoff so far: <b>{v['payoff_so_far']:.2f}</b> points"))
        if v["round"] and not v["ended"]:
            solara.HTML(tag="h2", unsafe_innerHTML=f"Your time this month: {v['time_budget']:g} hours")
            # continuous_update: a text not yet sent to the server would be wiped by the next re-render
            # (another player's answer), as Solara then resets the field to its value
            solara.InputText(f"Hours you give (0–{v['time_budget']:g})", value=hours, continuous_update=True,
                             classes=["hours"])
            if v["levers"]["sanctions"]:
                solara.HTML(tag="div", unsafe_innerHTML="<b>Peer sanctions are on.</b> Sanction a neighbour "
                            f"(costs you {s.model.config.sanctions.cost:g}, costs them "
                            f"{s.model.config.sanctions.impact:g}):")
                for n in v["neighbours"]:
                    gave = "" if n["hours"] is None else f" (gave {n['hours']:.1f} h)"
                    solara.Checkbox(label=f"Sanction {n['label']}{gave}", value=n["resident"] in targets.value,
                                    on_value=lambda on, r=n["resident"]: toggle(r, on))
            solara.Button("Send", on_click=send, color="primary", classes=["send-button"])
            if message.value:
                solara.HTML(tag="div", classes=["refused" if refused.value else "sent"],
                            attributes={"id": "answer-message"}, unsafe_innerHTML=html.escape(message.value))
            elif v["answer"]:
                solara.HTML(tag="div", classes=["sent"], attributes={"id": "answer-message"},
                            unsafe_innerHTML=f"Sent: {v['answer']['hours']:g} hours.")
        solara.HTML(tag="div", classes=["panel"], attributes={"id": "neighbours"},
                    unsafe_innerHTML=neighbours_table(v))
        solara.HTML(tag="div", classes=["panel"], attributes={"id": "project"}, unsafe_innerHTML=project_text(v))


def outcome_text(o: dict) -> str:
    why = "you were disconnected" if o["reason"] == "disconnected" else "you did not answer before the round closed"
    who = "You decided" if o["decided_by"] == "person" else f"<b>An agent decided for you</b> ({why})"
    text = (f"Round {o['round']}: {who}: {o['hours']:.1f} hours "
            f"({'took part' if o['took_part'] else 'did not take part'}). "
            f"You received {o['benefit']:.2f}; payoff this month {o['payoff']:.2f}.")
    if o["sanctioned"]:
        text += f" You sanctioned {len(o['sanctioned'])} neighbour(s)."
    if o["sanctioned_by_players"]:
        text += f" <b>{o['sanctioned_by_players']} neighbour(s) sanctioned you.</b>"
    return text


def neighbours_table(v: dict) -> str:
    rows = []
    for n in v["neighbours"]:
        tie = "strong" if n["tie"] >= 0.6 else "medium" if n["tie"] >= 0.3 else "weak"
        last = "—" if n["hours"] is None else f"{n['hours']:.1f} h" + (" ✓" if n["took_part"] else "")
        rows.append(f"<tr><td>{html.escape(n['label'])}</td><td>{tie}</td><td>{last}</td></tr>")
    return ("<h2>Your neighbours last month</h2><table><tr><th>Neighbour</th><th>Tie</th><th>Gave</th></tr>"
            + "".join(rows) + "</table>" + ("" if rows else "<div>No neighbours.</div>"))


def project_text(v: dict) -> str:
    p = v["project"]
    if p is None:
        project = "No project is under way in your micro-grid."
    else:
        project = (f"Under way: a <b>{html.escape(p['domain'])}</b> project, {p['funded']:.0%} funded"
                   + (f", {p['hours_done']:.0f} of {p['hours_needed']:.0f} volunteer hours"
                      if p["hours_needed"] else "")
                   + (" — <b>halted by a dispute</b>" if p["disputed"] else "") + ".")
    took, did_not = v["benefit_took_part"], v["benefit_did_not"]
    received = (f"Everyone's facilities serve everyone: last month you received <b>{v['benefit']:.2f}</b>, "
                f"the average resident {v['benefit_mean']:.2f}")
    if math.isfinite(took) and math.isfinite(did_not):
        received += f" (those who took part {took:.2f}, those who did not {did_not:.2f})"
    return (f"<h2>The project</h2><div>{project}</div><h2>What everyone received</h2><div>{received}; "
            f"{v['participation']:.0%} took part.</div>")


# ------------------------------------------------------------------------------------------ console
@solara.component
def ConsolePage():
    """The trainer's console: join address and code, players, rounds, levers, community, debrief."""
    solara.Title("cogov classroom · trainer")
    solara.Style(CSS)
    s = session()
    if s is None or not s.is_trainer(query("key")):
        with solara.Div(classes=["cr"]):
            solara.Error("The trainer's console needs the address printed in the terminal (with its key).")
        return
    Console(s)


@solara.component
def Console(s: C.Session):
    use_session_version(s)
    notice = solara.use_reactive(None)
    seconds_text = solara.use_reactive(str(s.round_seconds))
    picture = solara.use_memo(lambda: community_picture(s.model), [])
    qr = solara.use_memo(lambda: qr_svg(f"{s.join_url or '/'}?code={s.join_code}"), [s.join_url, s.join_code])
    roster = s.roster()
    lev = s.levers

    def lever(name, value):
        notice.value = s.set_lever(name, value)

    def set_seconds(text):
        notice.value = s.set_round_seconds(text)
        seconds_text.value = str(s.round_seconds)

    with solara.Div(classes=["cr"]):
        solara.HTML(tag="h1", unsafe_innerHTML="cogov classroom: play residents beside the model's residents")
        if notice.value:
            solara.Warning(notice.value, classes=["notice"])
        with solara.Div(classes=["console-grid"]):
            with solara.Div():
                url = s.join_url or "/"
                solara.HTML(tag="div", classes=["joinbox"], attributes={"id": "join"}, unsafe_innerHTML=(
                    f"<div>Join at</div><div class='url' id='join-url'>{html.escape(url)}</div>"
                    + qr
                    + f"<div>with the code</div><div class='code' id='join-code'>{s.join_code}</div>"))
                with solara.Div(classes=["panel"]):
                    solara.HTML(tag="h2", unsafe_innerHTML="Rounds")
                    with solara.Row(style={"flex-wrap": "wrap", "gap": "6px"}):
                        if s.round == 0 and not s.ended:
                            solara.Button("Start round 1", on_click=s.start, color="primary")
                        if s.round > 0 and not s.ended:
                            solara.Button("Close round now", on_click=s.close_round, color="secondary")
                        if not s.ended:
                            solara.Button("End, debrief", on_click=s.end, color="error", outlined=True)
                    with solara.Row(style={"align-items": "center"}):
                        solara.InputText("Seconds per round", value=seconds_text, continuous_update=True,
                                         classes=["round-seconds"])
                        solara.Button("Set", on_click=lambda: set_seconds(seconds_text.value), outlined=True)
                with solara.Div(classes=["panel", "levers"]):
                    solara.HTML(tag="h2", unsafe_innerHTML="Levers (from the next month on)")
                    for name in ("sanctions", "incentives", "disclosure"):
                        solara.Switch(label=L.LABELS[name], value=getattr(lev, name),
                                      on_value=lambda value, name=name: lever(name, value), classes=[f"switch-{name}"])
                    solara.HTML(tag="div", unsafe_innerHTML=L.LABELS["consultation"])
                    solara.ToggleButtonsSingle(value=lev.consultation, on_value=lambda m: lever("consultation", m),
                                               children=[solara.Button(m, value=m) for m in L.CONSULTATION_MODES])
            with solara.Div():
                solara.HTML(tag="div", classes=["status"], attributes={"id": "status", "data-round": str(s.round),
                                                                        "data-ended": str(s.ended).lower()},
                            unsafe_innerHTML=status_html(s, roster))
                solara.HTML(tag="div", classes=["panel"], attributes={"id": "players"},
                            unsafe_innerHTML=players_table(roster))
                solara.HTML(tag="div", classes=["panel"], attributes={"id": "community"},
                            unsafe_innerHTML=community_svg(s, picture))
                debrief(s)


def status_html(s: C.Session, roster: list[dict]) -> str:
    live = [p for p in roster if p["connected"]]
    answered = sum(p["answered"] for p in roster)
    if s.ended:
        head = f"Session ended after {len(s.summaries)} rounds."
    elif s.round == 0:
        head = f"{len(roster)} of {s.settings.max_players} players joined. Press <b>Start round 1</b>."
    else:
        head = (f"<b>Round {s.round}</b> (month {s.model.steps + 1}): <span id='answered'>{answered}</span> of "
                f"{len(live)} connected players answered.")
        if s.last_close_reason:
            head += f" <span style='color:#555'>Last round closed: {html.escape(s.last_close_reason)}.</span>"
    return head + countdown(s.seconds_left(), f"console{s.round}")


ON, OFF = "<span class=dot-on>● connected</span>", "<span class=dot-off>○ away</span>"


def players_table(roster: list[dict]) -> str:
    rows = "".join(
        f"<tr data-player='{p['number']}' data-connected='{str(p['connected']).lower()}' "
        f"data-answered='{str(p['answered']).lower()}'><td>{p['number']}</td><td>{html.escape(p['nickname'])}</td>"
        f"<td>{html.escape(p['label'])}</td>"
        f"<td>{ON if p['connected'] else OFF}</td>"
        f"<td>{'✓ answered' if p['answered'] else ''}</td><td>{p['payoff_so_far']:.2f}</td></tr>"
        for p in roster)
    return ("<h2>Players</h2><table class='players'><tr><th>#</th><th>Nickname</th><th>Resident</th>"
            "<th>Connection</th><th>This round</th><th>Payoff</th></tr>" + rows + "</table>")


def qr_svg(url: str) -> str:
    """The join address as an inline SVG QR code (segno)."""
    import segno

    return segno.make(url, error="m").svg_inline(scale=4, border=2)


def community_picture(model) -> draw.NetworkPicture:
    lay = structural_layout(model.structure.building, model.structure.grid)
    labels = [f"Building {b + 1}" for b in range(model.structure.n_buildings)]
    return draw.NetworkPicture(lay, model.graph.rows, model.graph.cols, labels)


def community_svg(s: C.Session, picture: draw.NetworkPicture) -> str:
    """The live page's graph (what each resident did last month) with people ringed and numbered."""
    m = s.model
    cat = categories(m)
    svg = picture.svg(m.graph.strength, cat, int(m.steps))
    lay = picture.layout
    r = lay.radius
    by_resident = {p["resident"]: p["number"] for p in s.roster()}
    marks = "".join(
        f"<circle cx='{lay.x[i]:.1f}' cy='{lay.y[i]:.1f}' r='{2.2 * r:.1f}' fill='none' stroke='#000' "
        f"stroke-width='{0.9 * r:.1f}' class='person'/><text x='{lay.x[i]:.1f}' y='{lay.y[i] - 2.6 * r:.1f}' "
        f"text-anchor='middle' font-size='{5 * r:.0f}' font-weight='700'>P{n}</text>"
        for i, n in by_resident.items())
    counts = np.bincount(cat, minlength=3)
    return ("<h2>The community: <b>ringed = people</b> (P = player number), dots without a ring = model residents</h2>"
            + svg.replace("</svg>", marks + "</svg>") + draw.network_legend(counts))


def debrief(s: C.Session) -> None:
    """The debrief's charts, table and CSV button (a plain function: drawn with the console at every change)."""
    rounds = s.debrief()
    if not rounds:
        return
    response = s.response_to_sanctions()
    with solara.Div(classes=["panel", "debrief-panel"]):
        solara.HTML(tag="h2", unsafe_innerHTML="Debrief: people versus model residents, round by round")
        solara.HTML(tag="div", classes=["legend"], unsafe_innerHTML=(
            f"<span><b style='color:{draw.ORANGE}'>━━</b> people</span>"
            f"<span><b style='color:{draw.BLUE}'>╍╍</b> model residents</span>"
            "<span style='background:#EEE;padding:0 6px'>shaded: peer sanctions on</span>"))
        with solara.Div(classes=["debrief"]):
            solara.HTML(tag="div", unsafe_innerHTML="<h2>Contribution (share of time)</h2>" + rounds_chart(
                rounds, "contribution", "chart-contribution"))
            solara.HTML(tag="div", unsafe_innerHTML="<h2>Free riding (benefited, took no part)</h2>" + rounds_chart(
                rounds, "free_riding", "chart-free-riding"))
        solara.HTML(tag="div", attributes={"id": "response"}, unsafe_innerHTML=response_table(response))
        solara.FileDownload(s.csv_text, filename="classroom_decisions.csv", label="Download the decisions (CSV)",
                            mime_type="text/csv")


def rounds_chart(rounds: list[C.RoundSummary], key: str, chart_id: str, width: float = 520,
                 height: float = 280) -> str:
    """An SVG chart of people's and model residents' ``key`` by round; sanction rounds shaded."""
    left, right, top, bottom = 64, 14, 12, 44
    pw, ph = width - left - right, height - top - bottom
    n = len(rounds)
    people = np.array([getattr(r, f"{key}_people") for r in rounds], dtype=float)
    agents = np.array([getattr(r, f"{key}_agents") for r in rounds], dtype=float)
    y_max = draw.nice_max([np.nan_to_num(people), np.nan_to_num(agents)])

    def sx(k: float) -> float:
        return left + pw * (k + 0.5) / n

    def sy(v: float) -> float:
        return top + ph * (1 - min(v, y_max) / y_max)

    parts = [f"<svg id='{chart_id}' viewBox='0 0 {width} {height}' width='100%' {draw.FONT}>"]
    for k, r in enumerate(rounds):
        if r.sanctions_on:
            parts.append(f"<rect x='{left + pw * k / n:.1f}' y='{top}' width='{pw / n:.1f}' height='{ph}' "
                         "fill='#EEEEEE' class='sanctioned-round'/>")
    for j in range(5):
        v = y_max * j / 4
        parts.append(f"<line x1='{left}' x2='{width - right}' y1='{sy(v):.1f}' y2='{sy(v):.1f}' stroke='#E0E0E0'/>"
                     f"<text x='{left - 8}' y='{sy(v) + 7:.1f}' text-anchor='end' font-size='20'>{100 * v:.0f}%</text>")
    every = max(1, n // 10)
    for k, r in enumerate(rounds):
        if k % every == 0 or k == n - 1:
            parts.append(f"<text x='{sx(k):.1f}' y='{height - 18}' text-anchor='middle' "
                         f"font-size='20'>{r.round}</text>")
    parts.append(f"<text x='{width - right}' y='{height - 1}' text-anchor='end' font-size='17'>round</text>")
    for values, colour, dash, cls in ((agents, draw.BLUE, "10 6", "agents"), (people, draw.ORANGE, "", "people")):
        points = [(sx(k), sy(v)) for k, v in enumerate(values) if math.isfinite(v)]
        if points:
            d = "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in points)
            parts.append(f"<path d='{d}' fill='none' stroke='{colour}' stroke-width='5' "
                         f"{f'stroke-dasharray={chr(39)}{dash}{chr(39)}' if dash else ''} class='line-{cls}'/>")
            parts.extend(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='6' fill='{colour}' class='point-{cls}'/>"
                         for x, y in points)
    parts.append("</svg>")
    return "".join(parts)


def response_table(response: dict) -> str:
    def cell(x: float, signed: bool = False) -> str:
        return "—" if not math.isfinite(x) else (f"{100 * x:+.1f} pts" if signed else draw.pct(x))

    rows = "".join(f"<tr data-group='{g}'><td>{label}</td><td>{cell(response[g]['off'])}</td>"
                   f"<td>{cell(response[g]['on'])}</td><td>{cell(response[g]['change'], True)}</td></tr>"
                   for g, label in (("people", "People"), ("agents", "Model residents")))
    return ("<h2>Response to sanctions: mean contribution</h2><table><tr><th></th><th>sanctions off</th>"
            "<th>sanctions on</th><th>change</th></tr>" + rows + "</table>")


@solara.component
def Layout(children=[]):  # noqa: B006 - Solara's signature
    """No app bar or route tabs: a player must not be offered the console."""
    return solara.Column(children=children, style={"padding": "0"})


routes = [
    solara.Route(path="/", component=JoinPage, label="Join", layout=Layout),  # the root's layout: every page
    solara.Route(path="play", component=PlayPage, label="Play"),
    solara.Route(path="console", component=ConsolePage, label="Console"),
]

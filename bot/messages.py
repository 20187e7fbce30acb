"""Every user-facing sentence the code says, in one catalogue, ready for a second language.

Add Welsh by giving an entry a ``cy`` text; ``say()`` falls back to English for any entry
not yet translated. Placeholders use ``str.format`` names.
"""

from __future__ import annotations

from typing import Any

CATALOGUE: dict[str, dict[str, str]] = {
    "greeting": {"en": "Hello! I'm Pathway. I help you take an idea for better health or care "
                       "from first thought to something tested, adopted and spread across Wales."},
    "help.intro": {"en": "Ask me anything about taking an idea forward (for example "
                         "*do I need ethics approval?* or *is my app a medical device?*), "
                         "or use one of these:"},
    "help.footer": {"en": "Your progress is kept so you can pick up where you left off. "
                          "Type *me* to see it, *forget me* to delete it."},
    "dashboard.title": {"en": "Your pathway"},
    "overview.title": {"en": "The five stages of the pathway"},
    "overview.where": {"en": "You're at stage {number}: *{title}*."},
    "overview.unknown": {"en": "You haven't told me your stage yet. Say *stage idea* (or another "
                               "stage), or *which stage am I at?* for a few quick questions."},
    "stage.set": {"en": "Got it: you're at stage {number}, *{title}*."},
    "stage.unknown": {"en": "I don't know a stage called \"{text}\". The stages are: {stages}."},
    "stage.last": {"en": "You're already at the last stage, *{title}*."},
    "next.title": {"en": "Where you are and what to do next"},
    "next.no_stage": {"en": "I don't know your stage yet. Tell me (e.g. *stage prototype*) or "
                            "say *which stage am I at?* and I'll ask a few questions."},
    "next.items": {"en": "*Next on your checklist:*"},
    "next.all_done": {"en": "You've ticked everything for this stage. When you're ready, "
                            "move on to *{title}*."},
    "next.all_done_last": {"en": "You've ticked everything on the last stage. Well done: keep "
                                 "measuring so the change lasts."},
    "next.steps": {"en": "*Next steps:*"},
    "checklist.title": {"en": "Checklist: {title}"},
    "checklist.progress": {"en": "{done} of {total} done"},
    "checklist.next": {"en": "Next: {text}"},
    "checklist.complete": {"en": "All done for this stage."},
    "checklist.how": {"en": "Tick an item with *tick 2* (or *tick* and some of its words); "
                            "undo with *untick 2*."},
    "tick.done": {"en": "Ticked: {items}."},
    "tick.undone": {"en": "Unticked: {items}."},
    "tick.already": {"en": "That was already ticked."},
    "tick.not_ticked": {"en": "That wasn't ticked."},
    "tick.unknown": {"en": "I couldn't find \"{text}\" on the *{title}* checklist. "
                           "Use the item's number (1 to {total}) or some of its words."},
    "tick.no_stage": {"en": "Tell me your stage first (e.g. *stage idea*), or name it: "
                            "*tick idea 2*."},
    "contacts.title": {"en": "Who can help: {what}"},
    "contacts.for_stage": {"en": "These organisations help at the *{title}* stage:"},
    "contacts.for_topic": {"en": "For *{title}*, talk to:"},
    "contacts.none": {"en": "I don't have a named organisation for *{title}*. Your own health "
                            "board's R&D or innovation office is a good first call."},
    "contacts.unknown": {"en": "Who can help with what? Say *contacts* for your stage, or "
                               "*who can help with* and a topic, e.g. *who can help with "
                               "patents?*"},
    "contacts.england": {"en": "England only: check whether staff in Wales are eligible."},
    "evaluate.title": {"en": "Showing your change is an improvement"},
    "evaluate.intro": {"en": "Change is not the same as improvement: it has to be measured. "
                             "Start with the three Model for Improvement questions, choose "
                             "outcome, process and balancing measures, collect a baseline, and "
                             "plot your data over time. Pick a guide:"},
    "answer.source": {"en": "Source: {source} (reviewed {reviewed})"},
    "answer.stage_checklist_named": {"en": "Checklist: {title}"},
    "answer.stage_set": {"en": "This is my stage"},
    "answer.stage_checklist": {"en": "Show this stage's checklist"},
    "answer.org_url": {"en": "Website: {url}"},
    "answer.org_serves": {"en": "For: {serves}"},
    "answer.stage_signs": {"en": "*You're probably here if:*"},
    "answer.stage_checklist_count": {"en": "Its checklist has {total} items: say *checklist "
                                           "{id}* to see them."},
    "no_match.text": {"en": "I'm not confident I have a good answer to that, and I'd rather "
                            "not guess."},
    "no_match.suggest": {"en": "Did you mean one of these?"},
    "no_match.human": {"en": "A person to ask: your own health board's or organisation's R&D or "
                             "innovation office, or {org} ({url}), who can point you to the right "
                             "support."},
    "no_match.human_generic": {"en": "A person to ask: your own health board's or organisation's "
                                     "R&D or innovation office."},
    "no_match.empty": {"en": "I didn't catch a question there. Type *help* to see what I can do."},
    "triage.intro": {"en": "Let's find your stage with a few yes/no questions "
                           "(say *cancel* to stop)."},
    "triage.q1": {"en": "Have you built or tried anything yet: a prototype, a new way of "
                        "working, a first small test?"},
    "triage.q2": {"en": "Have you measured whether it is an improvement (data over time, or a "
                        "formal evaluation)?"},
    "triage.q3": {"en": "Has your organisation agreed to adopt it as normal practice (a business "
                        "case, funding or a service change)?"},
    "triage.q4": {"en": "Is it working in your own service, and do you now want to take it to "
                        "other teams or organisations?"},
    "triage.yes_no": {"en": "Please answer *yes* or *no* (or *cancel*)."},
    "triage.result": {"en": "From your answers you're at stage {number}: *{title}*. "
                            "I've noted that; say *stage* and another name to change it."},
    "triage.cancelled": {"en": "OK, stopped. Ask me anything, or type *help*."},
    "option.yes": {"en": "Yes"},
    "option.no": {"en": "No"},
    "option.next": {"en": "What should I do next?"},
    "option.checklist": {"en": "Show my checklist"},
    "option.contacts": {"en": "Who can help?"},
    "option.next_stage": {"en": "Move to the next stage"},
    "option.triage": {"en": "Which stage am I at?"},
    "option.stages": {"en": "Show the stages"},
    "option.forget": {"en": "Delete what you keep about me"},
    "confirm.forget": {"en": "This deletes everything I keep about you: your stage, checklist "
                             "ticks and recent messages. It can't be undone. Are you sure?"},
    "confirm.reset": {"en": "This clears your stage and all your checklist ticks. Are you sure?"},
    "confirm.yes_forget": {"en": "Yes, delete everything"},
    "confirm.yes_reset": {"en": "Yes, start again"},
    "confirm.cancelled": {"en": "OK, nothing was changed."},
    "forgotten": {"en": "Done: I've deleted everything I kept about you. If you talk to me "
                        "again I'll start afresh."},
    "reset.done": {"en": "Done: your stage and checklist ticks are cleared."},
    "me.title": {"en": "What I keep about you"},
    "me.nothing": {"en": "I keep nothing about you at the moment."},
    "me.summary": {"en": "• Stage: {stage}\n• Checklist ticks: {ticks}\n• Last topic: {topic}\n"
                         "• Recent messages kept: {history} (the last {limit} at most)\n"
                         "• First seen: {created}; last change: {updated}"},
    "me.none": {"en": "none"},
    "me.referrals": {"en": "• Referrals (Connect me): {count}"},
    "referrals.withdraw": {"en": "Withdraw"},
    "me.questions": {"en": "• Questions you asked: {count}, kept for {days} days without your "
                           "name so the team can improve answers"},
    "me.footer": {"en": "Say *forget me* to delete all of it."},
    "private.only": {"en": "I only show personal progress in a direct message, so it stays "
                           "yours. Message me directly and say *{command}*."},
    "topic.unknown": {"en": "I couldn't find that entry any more; it may have been renamed. "
                            "Ask me your question again?"},
    "choice.pick": {"en": "Pick a number from 1 to {count}, or ask me something else."},
    "connect.title": {"en": "Connect me with {org}"},
    "connect.intro": {"en": "I'll put you in touch with {org}. Five short questions, then you "
                            "decide whether to send it. Nothing is shared without your yes "
                            "(say *cancel* at any time)."},
    "connect.which": {"en": "I couldn't tell which organisation \"{text}\" is. Say *contacts* "
                            "to see who can help, then *connect* and the name."},
    "connect.which_empty": {"en": "Who would you like to be connected with? Say *connect* and "
                                  "the organisation's name, e.g. *connect Improvement Cymru*."},
    "connect.q_summary": {"en": "1. In a paragraph, what is your idea?"},
    "connect.q_problem": {"en": "2. What problem does it solve, and for whom?"},
    "connect.q_stage": {"en": "3. Which stage are you at (idea, prototype, evaluate, adopt, "
                              "spread)?"},
    "connect.q_stage_known": {"en": "3. You're at *{stage}*. Say *yes* to keep that, or name "
                                    "another stage."},
    "connect.stage_unknown": {"en": "Please name a stage: idea, prototype, evaluate, adopt or "
                                    "spread (or *cancel*)."},
    "connect.q_organisation": {"en": "4. Which organisation or health board do you work for?"},
    "connect.q_help": {"en": "5. What help would you like from them?"},
    "connect.label_summary": {"en": "Your idea"},
    "connect.label_problem": {"en": "The problem it solves"},
    "connect.label_stage": {"en": "Stage"},
    "connect.label_user_organisation": {"en": "Your organisation"},
    "connect.label_help_wanted": {"en": "Help wanted"},
    "connect.review": {"en": "Here is what I'd send:"},
    "connect.consent_q": {"en": "Shall I send it?"},
    "connect.consent_yes": {"en": "Yes, share it"},
    "connect.consent_no": {"en": "No, don't send"},
    "connect.not_shared": {"en": "OK, nothing was shared and nothing was kept."},
    "connect.cancelled": {"en": "OK, stopped. Nothing was shared."},
    "connect.submitting": {"en": "Sending your referral…"},
    "referral.sent": {"en": "Sent: your referral {id} went to {org}'s team{where}. You'll hear "
                            "from me when they respond; say *referrals* to see its status."},
    "referral.pending": {"en": "Saved: your referral {id} to {org} is stored, but I couldn't "
                               "deliver it yet. I'll keep trying; say *referrals* to check."},
    "referral.duplicate": {"en": "You've already sent this to {org} (referral {id}); I haven't "
                                 "sent it twice."},
    "referrals.title": {"en": "Your referrals"},
    "referrals.none": {"en": "You haven't asked me to connect you with anyone yet. Say "
                             "*connect* and an organisation's name to start."},
    "referrals.line": {"en": "• {id}: {org}, {status} (since {updated})"},
    "referrals.withdraw_hint": {"en": "To withdraw one, say *withdraw* and its id."},
    "referrals.withdrawn": {"en": "Withdrawn: referral {id} to {org}. Their team can see it is "
                                  "withdrawn."},
    "status.pending": {"en": "saved, delivery pending"},
    "status.sent": {"en": "sent, waiting for the team"},
    "status.accepted": {"en": "accepted by the team"},
    "status.more_info": {"en": "the team asked for more information"},
    "status.redirected": {"en": "the team suggested another organisation"},
    "status.withdrawn": {"en": "withdrawn"},
    "referral.update_accepted": {"en": "Good news: {org} accepted your referral {id}. Their team "
                                       "will be in touch."},
    "referral.update_more_info": {"en": "{org} would like more information about your referral "
                                        "{id}. Their team will contact you."},
    "referral.update_redirected": {"en": "{org} think another organisation fits your referral "
                                         "{id} better: {suggested}. Say *connect {suggested_id}* "
                                         "to send it there."},
    "error.generic": {"en": "Sorry, something went wrong on my side. Nothing you've saved was "
                            "lost; please try again in a moment."},
    "error.too_long": {"en": "(I read the first {limit} characters of your message.)"},
    "feedback.thanks_yes": {"en": "Thanks! Glad that helped."},
    "feedback.thanks_no": {"en": "Thanks for telling me. The team that keeps my knowledge up to "
                                 "date reviews answers that didn't help."},
}


def say(key: str, lang: str = "en", **values: Any) -> str:
    """The catalogue text for ``key`` in ``lang`` (English fallback), with values filled in."""
    entry = CATALOGUE[key]
    template = entry.get(lang) or entry["en"]
    return template.format(**values) if values else template

"""Every user-facing sentence the code says, in one catalogue: English here, Welsh in gettext.

English is written here and is the source. Welsh is kept in the translators' file,
``bot/core/locale/cy/LC_MESSAGES/pathway.po`` (one entry per key: msgctxt = key, msgid = the
English), and loaded into ``CATALOGUE[key]["cy"]`` at import; see docs/translating.md.
After adding or changing English, run ``python -m bot.core.catalogue export`` and give the
new entry its Welsh in the .po. ``say()`` falls back to English for any key without usable
Welsh. Placeholders use ``str.format`` names.
"""

from __future__ import annotations

from typing import Any

from bot.core.catalogue import LANGUAGES, Coverage, fill_translations

CATALOGUE: dict[str, dict[str, str]] = {
    "greeting": {"en": "Hello! I'm Pathway. I help you take an idea for better health or care "
                       "from first thought to something tested, adopted and spread across Wales."},
    "help.intro": {"en": "Ask me anything about taking an idea forward (for example "
                         "*do I need ethics approval?* or *is my app a medical device?*), "
                         "or use one of these:"},
    "thanks": {"en": "You're welcome. Ask me anything else about taking your idea forward, "
                     "or type *help* to see what I can do."},
    "smalltalk": {"en": "I'm Pathway, a bot rather than a person, so I'm not much of a chatter. "
                        "What I can do is help you take an idea for better health or care "
                        "forward: ask me a question, or pick one of these."},
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
    "answer.see_also": {"en": "See also: {title}"},
    "answer.stage_set": {"en": "This is my stage"},
    "answer.stage_checklist": {"en": "Show this stage's checklist"},
    "answer.org_url": {"en": "Website: {url}"},
    "answer.org_serves": {"en": "For: {serves}"},
    "answer.stage_signs": {"en": "*You're probably here if:*"},
    "answer.stage_checklist_count": {"en": "Its checklist has {total} items: say *checklist "
                                           "{id}* to see them."},
    "no_match.text": {"en": "I'm not confident I have a good answer to that, and I'd rather "
                            "not guess."},
    "no_match.off_topic": {"en": "That looks like something outside what I cover, so I'd rather "
                                 "not guess. I help with taking an idea or an improvement "
                                 "forward in health and social care: who to talk to, approvals, "
                                 "funding, measuring it and spreading it."},
    "no_match.off_topic_human": {"en": "For a question like this, the best place to start is "
                                       "your line manager or the team that usually deals with "
                                       "it."},
    "no_match.suggest": {"en": "Did you mean one of these?"},
    "no_match.signpost": {"en": "In case your question is about this (*{title}*): {answer}"},
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
    "triage.known": {"en": "You're at stage {number}: *{title}*. If you're not sure that's "
                           "right, I can ask the stage questions again."},
    "option.redo_triage": {"en": "Ask me the stage questions again"},
    # --- a command or a new question in the middle of an exchange ---------------------------
    "exchange.kept_triage": {"en": "The stage questions are still open: answer *yes* or *no* "
                                   "to carry on, or say *cancel*."},
    "exchange.dropped_triage": {"en": "I've stopped the stage questions."},
    "exchange.kept_confirm": {"en": "I'm still waiting for your *yes* or *no* to my question "
                                    "before this (or *cancel*)."},
    "exchange.dropped_confirm": {"en": "I've left my earlier question unanswered: nothing was "
                                       "deleted or cleared."},
    "exchange.kept_connect": {"en": "Your referral form is still open: answer its last "
                                    "question to carry on, or say *cancel*."},
    "exchange.dropped_connect": {"en": "I've stopped the referral form; nothing was shared."},
    "option.yes": {"en": "Yes"},
    "option.no": {"en": "No"},
    "option.next": {"en": "What should I do next?"},
    "option.checklist": {"en": "Show my checklist"},
    "option.show_checklist": {"en": "Show the {title} checklist"},
    "option.more_contacts": {"en": "{count} more organisations"},
    "option.more_guides": {"en": "{count} more guides"},
    "option.save_idea": {"en": "Save Idea as my stage"},
    "connect.no_route": {"en": "Pathway can't pass a warm introduction on to {org}, but you "
                               "can contact them directly, as below."},
    "contacts.how": {"en": "How to contact them: {how}"},
    "terminal.say_connect": {"en": "(say: connect {id})"},
    "files.chart_saved": {"en": "Chart saved: {path}\n{sparkline}"},
    "files.export_saved": {"en": "Plan saved as Markdown: {path}"},
    "files.not_saved": {"en": "I couldn't save the file in the data folder; check that it can be "
                              "written to."},
    "files.kept": {"en": "• Files saved for you in the terminal (charts and exported plans): "
                         "{count}, in {path}"},
    "files.not_listed": {"en": "• Files saved for you in the terminal (charts and exported "
                               "plans): I couldn't list them; check that {path} is a folder "
                               "that can be read."},
    "files.not_deleted": {"en": "I couldn't delete the charts and plans saved for you in {path}; "
                                "please delete that folder yourself."},
    "files.shared": {"en": "• Charts and plans that an earlier version of Pathway saved for "
                           "everyone using this data folder together are still in {paths}. I "
                           "can't tell whose they are, so forget me does not delete them: "
                           "delete those folders yourself once nobody needs them."},
    # What each command does, as help lists it (the registry's order; tests keep it in step).
    "command.help": {"en": "what I can do"},
    "command.stages": {"en": "the five stages, and where you are"},
    "command.stage": {"en": "tell me your stage (idea, prototype, evaluate, adopt, spread)"},
    "command.triage": {"en": "a few questions to find your stage"},
    "command.redo_triage": {"en": "ask me the stage questions again"},
    "command.next": {"en": "where you are and what to do next"},
    "command.checklist": {"en": "your checklist for a stage"},
    "command.tick": {"en": "tick a checklist item (*untick* to undo)"},
    "command.contacts": {"en": "who can help, e.g. *who can help with that?* after an answer"},
    "command.evaluate": {"en": "how to show your change is an improvement"},
    "command.connect": {"en": "a warm introduction to an organisation's team"},
    "command.referrals": {"en": "your introductions and their status (*withdraw <id>*)"},
    "command.log": {"en": "log a reading (or paste a date and a value a line after *log "
                          "<measure>*; *unlog <measure> <date>* deletes one)"},
    "command.chart": {"en": "a run chart of a measure, and what it shows"},
    "command.xmr": {"en": "an XmR chart, from 20 readings"},
    "command.baseline": {"en": "freeze the median on the first points"},
    "command.measures": {"en": "your project's measures and their latest readings"},
    "command.plan": {"en": "plan your project: aim, questions, measures (*new project <name>* for "
                           "another)"},
    "command.pdsa": {"en": "record a PDSA cycle step by step"},
    "command.research_check": {"en": "is it research, service evaluation or audit?"},
    "command.export": {"en": "your plan as a Markdown file"},
    "command.language": {"en": "choose the language I answer in (*iaith*)"},
    "command.me": {"en": "what I keep about you"},
    "command.forget": {"en": "delete everything I keep about you"},
    "command.reset": {"en": "clear your stage and ticks and start again"},
    "me.language": {"en": "• Language you chose: {language}"},
    "language.name_en": {"en": "English"},
    "language.name_cy": {"en": "Welsh (Cymraeg)"},
    "language.offer": {"en": "Pathway speaks Welsh too: say *Cymraeg* at any time."},
    "language.saved": {"en": "I'll answer in English from now on. Say *Cymraeg* to switch "
                             "back."},
    "language.which": {"en": "I speak Welsh and English. Which would you like me to answer "
                             "in? I also answer each message in the language you write it "
                             "in, when that's clear."},
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
    "forgotten.team_copy_later": {"en": "Done: I've deleted everything I kept about you. Slack "
                                        "didn't let me remove your details from a team's "
                                        "message about your referral just now, so I'll remove "
                                        "them shortly. If you talk to me again I'll start "
                                        "afresh."},
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
    "me.ticks_title": {"en": "*Ticked, by stage:*"},
    "me.ticks_line": {"en": "• {stage}: {count}"},
    "me.recent_title": {"en": "*Your last {count} messages kept:*"},
    "me.recent_line": {"en": "• {at}: {text}"},
    "me.referrals_title": {"en": "*Your referrals:*"},
    "private.only": {"en": "I only show personal progress in a direct message, so it stays "
                           "yours. Message me directly and say *{command}*."},
    "topic.unknown": {"en": "I couldn't find that entry any more; it may have been renamed. "
                            "Ask me your question again?"},
    "choice.pick": {"en": "Pick a number from 1 to {count}, or ask me something else."},
    "number.options": {"en": "On its own, {number} could mean one of these:"},
    "number.unknown": {"en": "I'm not sure what {number} means on its own. To tick a checklist "
                             "item, say *tick {number}*, or type *help* to see what I can do."},
    "number.tick": {"en": "Tick {number}. {text}"},
    "number.stage": {"en": "About stage {number}: {title}"},
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
    "connect.org_gone": {"en": "I've stopped this referral: the organisation it was for "
                               "({org}) has just been taken out of my list, so there is no "
                               "one to send it to. Nothing was shared. Say *contacts* to see "
                               "who can help now."},
    "connect.org_gone_answers": {"en": "Here is what you had written, so you can use it again:"},
    "connect.submitting": {"en": "Sending your referral…"},
    "referral.sent": {"en": "Sent: your referral {id} went to the team at {org}{where}. "
                            "You'll hear from me when they respond; say *referrals* to see its "
                            "status."},
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
    "referrals.withdrawn_later": {"en": "Withdrawn: referral {id} to {org}. Slack didn't let me "
                                        "update their team's message just now, so I'll mark it "
                                        "withdrawn and remove your details shortly."},
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
    # --- Slack: shared pieces of the Block Kit layout ---------------------------------------
    "slack.sorry": {"en": "Sorry, something went wrong on my side and I couldn't finish that. "
                          "Please try again in a moment."},
    "slack.shortened": {"en": "This answer was shortened to fit in Slack. Ask about one part "
                              "of it for the rest."},
    "slack.feedback_yes": {"en": "This helped"},
    "slack.feedback_no": {"en": "This didn't help"},
    "slack.source": {"en": "Source: {source}"},
    "slack.reviewed": {"en": "Reviewed {reviewed}"},
    "slack.connect_me": {"en": "Connect me"},
    "slack.scope_wales": {"en": "Wales"},
    "slack.scope_uk": {"en": "UK-wide"},
    "slack.scope_england": {"en": "England only"},
    "slack.you_are_here": {"en": "_(you are here)_"},
    "slack.open_checklist": {"en": "Open checklist"},
    "slack.all_ticked": {"en": "Everything at this stage is ticked."},
    "slack.done": {"en": "Done"},
    "slack.more_items": {"en": "{count} more items: type `checklist {stage}` in a message to "
                               "see them."},
    "slack.home_title": {"en": "Your Pathway"},
    "slack.who_can_help": {"en": "Who can help"},
    "slack.checklist": {"en": "Checklist"},
    "slack.close": {"en": "Close"},
    "slack.help_title": {"en": "Pathway commands"},
    "slack.help_checklist": {"en": "your checklist for a stage, with boxes to tick"},
    "slack.help_intro": {"en": "You can also message me directly, or mention me in a channel to "
                               "ask a question there (I answer in a thread and never show your "
                               "progress)."},
    "slack.org_gone": {"en": "I couldn't find that organisation any more. Ask me *contacts* for "
                             "the current list."},
    "slack.chart_not_attached": {"en": "I couldn't attach the chart picture this time. Ask "
                                       "for the chart again in a moment to get it."},
    "slack.plan_attached": {"en": "Your plan is attached as a Markdown file, *{filename}*: open "
                                  "it in any text editor, or share it with your team."},
    "slack.plan_not_attached": {"en": "I couldn't attach the plan as a file this time, so here it "
                                      "is as a message. Ask again in a moment for the file."},
    "slack.reply_lost": {"en": "I made the change your message asked for (\u201c{text}\u201d), but "
                               "its reply was lost while I restarted. Type *me* to see where "
                               "you are."},
    "slack.your_measures": {"en": "Your measures"},
    "slack.measures_intro": {"en": "Show that your change is an improvement: plan a project "
                                   "(its aim and measures), then log its data here and get "
                                   "a run chart that says what it shows."},
    # --- the measurement modals (the plan, logging data) and files from slash commands -------
    "slack.plan_button": {"en": "Edit the plan"},
    "slack.plan_start_button": {"en": "Plan a project"},
    "slack.log_button": {"en": "Log data"},
    "slack.plan_title": {"en": "Measurement plan"},
    "slack.log_title": {"en": "Log data"},
    "slack.save": {"en": "Save"},
    "slack.plan_intro": {"en": "The project's aim and the Model for Improvement's three "
                               "questions. Leave blank whatever you haven't decided yet."},
    "slack.plan_label_name": {"en": "Project name"},
    "slack.plan_hint_name": {"en": "e.g. Fewer falls on ward 3"},
    "slack.plan_label_what": {"en": "Aim: what you want to improve"},
    "slack.plan_label_who": {"en": "For whom"},
    "slack.plan_label_how_much": {"en": "By how much"},
    "slack.plan_label_by_when": {"en": "By when"},
    "slack.plan_measure_intro": {"en": "*One measure at a time.* Choose one of your measures to "
                                       "edit it, or describe a new one. Leave these blank to "
                                       "save only the plan above."},
    "slack.plan_choose_measure": {"en": "Measure to edit"},
    "slack.plan_new_measure": {"en": "A new measure"},
    "slack.plan_label_measure": {"en": "Measure name"},
    "slack.plan_hint_measure": {"en": "e.g. falls per 1000 bed days"},
    "slack.plan_label_kind": {"en": "Kind of measure"},
    "slack.plan_choose_kind": {"en": "Outcome, process or balancing"},
    "slack.plan_label_numerator": {"en": "Numerator: what exactly you count"},
    "slack.plan_label_denominator": {"en": "Denominator: divided by what"},
    "slack.plan_label_unit": {"en": "Unit, if it is not a rate (e.g. minutes)"},
    "slack.plan_label_source": {"en": "Where the data comes from"},
    "slack.plan_label_frequency": {"en": "How often you measure it"},
    "slack.plan_measure_needs_name": {"en": "Give the measure a name, or clear its other "
                                            "fields."},
    "slack.project_name_taken": {"en": "You already have another project called {name}."},
    "slack.measure_name_taken": {"en": "This project already has a measure called {name}: "
                                       "choose it in the menu above to edit it."},
    "slack.too_many_projects": {"en": "You already have {limit} projects, the most I keep. "
                                      "Nothing was changed."},
    "slack.too_many_measures": {"en": "This project already has {limit} measures, the most I "
                                      "keep. Nothing was changed."},
    "slack.too_many_readings": {"en": "A measure can hold at most {limit} readings. Nothing "
                                      "was saved."},
    "slack.plan_saved": {"en": "Saved the plan for *{project}*."},
    "slack.plan_measure_saved": {"en": "Saved the measure *{measure}*: the project has {count} "
                                       "measure(s)."},
    "slack.log_intro": {"en": "Paste many readings at once, and correct or delete one. "
                              "Nothing is saved if any of it is wrong."},
    "slack.log_label_measure": {"en": "Measure"},
    "slack.log_choose_measure": {"en": "Choose a measure"},
    "slack.log_label_new_measure": {"en": "Or a new measure"},
    "slack.log_label_readings": {"en": "Readings"},
    "slack.log_hint_readings": {"en": "2026-12-01,14 (one a line)"},
    "slack.log_help_readings": {"en": "One a line: a date and a value, like 2026-12-01,14 or "
                                      "01/12/2026 14, or CSV with a date,value header. A value "
                                      "alone is for today."},
    "slack.log_fix_intro": {"en": "*Correct or delete one reading*"},
    "slack.log_label_fix_date": {"en": "Date of the reading"},
    "slack.log_hint_fix_date": {"en": "e.g. 01/12/2026"},
    "slack.log_label_fix_value": {"en": "Its correct value"},
    "slack.log_label_delete": {"en": "Or delete it"},
    "slack.log_delete_option": {"en": "Delete the reading on this date"},
    "slack.log_two_measures": {"en": "Choose a measure or type a new one, not both."},
    "slack.log_no_measure": {"en": "Choose a measure, or type the name of a new one."},
    "slack.log_nothing": {"en": "Paste some readings, or give a date to correct or delete."},
    "slack.log_fix_needs_date": {"en": "Give the date of the reading to correct or delete."},
    "slack.log_fix_needs_change": {"en": "Give its correct value, or tick the box to delete "
                                         "it."},
    "slack.log_fix_both": {"en": "Give a correct value or delete it, not both."},
    "slack.log_no_reading": {"en": "{measure} has no reading on {day} to delete."},
    "slack.readings_saved": {"en": "Saved {added} reading(s) for *{measure}*."},
    "slack.reading_deleted": {"en": "Deleted the reading of {value} on {day}."},
    "slack.readings_now": {"en": "*{measure}* now has {count} reading(s), the latest {value} "
                                 "on {day}."},
    "slack.readings_none_left": {"en": "*{measure}* has no readings now."},
    "slack.chart_in_dm": {"en": "I've put the run chart of *{measure}* in our direct message."},
    "slack.plan_in_dm": {"en": "I've put your plan in our direct message, as the file "
                               "*{filename}*."},
    # --- "Connect me": the innovator's form -------------------------------------------------
    "form.intro": {"en": "Pathway will send what you write here to the team at *{org}*, with "
                         "your Slack name, so they can get in touch. Nothing is sent unless you "
                         "tick the consent box."},
    "form.label_summary": {"en": "Your idea, in a paragraph"},
    "form.label_problem": {"en": "The problem it solves, and for whom"},
    "form.label_stage": {"en": "Your current stage"},
    "form.label_user_organisation": {"en": "Your organisation or health board"},
    "form.label_help_wanted": {"en": "What help you would like from them"},
    "form.consent_option": {"en": "Yes, I agree"},
    "form.send": {"en": "Send"},
    "form.cancel": {"en": "Cancel"},
    "form.error_empty": {"en": "Please fill this in."},
    "form.error_too_long": {"en": "At most {limit} characters, please."},
    "form.error_stage": {"en": "Please choose one of the stages."},
    "form.error_consent": {"en": "Nothing is shared without your consent. Tick the box to send "
                                 "it."},
    "form.error_choose": {"en": "Please choose one."},
    "form.error_unsaved": {"en": "Sorry, I couldn't save this just now, so nothing was sent. "
                                 "Your answers are still here; please try again in a moment."},
    # --- referrals: rules the core enforces, and the innovator's view -----------------------
    "referral.consent": {"en": "I agree that Pathway shares what I wrote here, with my name, "
                               "with {org} so their team can contact me about it."},
    "referral.field_summary": {"en": "the summary of your idea"},
    "referral.field_problem": {"en": "the problem it solves"},
    "referral.field_stage": {"en": "your current stage"},
    "referral.field_user_organisation": {"en": "your organisation or health board"},
    "referral.field_help_wanted": {"en": "what help you want"},
    "referral.fill_in": {"en": "Please fill in {field}."},
    "referral.too_long": {"en": "{field} is too long: at most {limit} characters, please."},
    "referral.not_found": {"en": "I couldn't find that referral; it may have been withdrawn or "
                                 "deleted."},
    "referral.no_consent": {"en": "Nothing was shared: a referral needs your consent to share it "
                                  "with the organisation."},
    "referral.too_many": {"en": "You already have {count} open referrals to {org}. Withdraw "
                                "one, or wait for their reply."},
    "referral.unknown_action": {"en": "Unknown action {action}."},
    "referral.withdrawn_by_innovator": {"en": "The innovator has withdrawn this referral."},
    "referral.not_yours": {"en": "That referral isn't yours to withdraw."},
    "referral.already_withdrawn": {"en": "That referral is already withdrawn."},
    "referral.where_own_channel": {"en": "their triage channel in Slack"},
    "referral.where_default_channel": {"en": "via Pathway's triage channel in Slack"},
    "referral.where_outbox": {"en": "the local outbox"},
    "referral.update": {"en": "Update: {text}"},
    "referral.withdraw_title": {"en": "Withdraw referral?"},
    "referral.withdraw_keep": {"en": "Keep it"},
    "referral.withdraw_text": {"en": "The team at {org} will see it was withdrawn."},
    "referral.older": {"en": "{count} older: say *referrals* in a message to see them all."},
    # --- "Connect me": the receiving team's message -----------------------------------------
    "team.header": {"en": "Connect me: {org}"},
    "team.intro": {"en": "{user} would like an introduction to *{org}*. Referral *{id}*."},
    "team.intro_forgotten": {"en": "Someone asked for an introduction to *{org}*. "
                                   "Referral *{id}*."},
    "team.label_summary": {"en": "Their idea"},
    "team.label_user_organisation": {"en": "Their organisation"},
    "team.details_removed": {"en": "The innovator withdrew this referral, so its details have "
                                   "been removed."},
    "team.consent_on": {"en": "Shared with the innovator's consent on {date}."},
    "team.notification_new": {"en": "New Connect me referral {id} for {org}"},
    "team.notification": {"en": "Connect me referral {id} for {org}: {status}"},
    "team.status_withdrawn": {"en": "*Withdrawn by the innovator* on {on}. Please don't act on "
                                    "it."},
    "team.status_accepted": {"en": "*Accepted* by {by} on {on}."},
    "team.status_more_info": {"en": "*More information requested* by {by} on {on}."},
    "team.status_redirected": {"en": "*Not for us*: {by} suggested *{other}* on {on}."},
    "team.status_waiting": {"en": "*Waiting for your team.* Accept it, ask for more, or suggest "
                                  "someone better."},
    "team.another_organisation": {"en": "another organisation"},
    "team.button_accept": {"en": "Accept"},
    "team.button_more_info": {"en": "Needs more info"},
    "team.button_redirect": {"en": "Not for us, suggest another"},
    "team.already_recorded": {"en": "That's already recorded."},
    "team.redirect_title": {"en": "Suggest another"},
    "team.redirect_submit": {"en": "Suggest"},
    "team.redirect_question": {"en": "Which organisation fits referral *{id}* better? The "
                                     "innovator will be told, with a button to connect with "
                                     "them."},
    "team.redirect_label": {"en": "Organisation"},
    # --- measurement: readings, charts, plan, PDSA, research check (bot.core.measure) ------
    "measure.default_project": {"en": "My project"},
    "measure.log_usage": {"en": "To log a reading, give the measure and a value, and a date if "
                                "it isn't for today: *log falls 3* or *log falls 3 01/12/2026*. "
                                "To add many, paste a date and a value a line after *log "
                                "falls*."},
    "measure.bad_reading": {"en": "{detail} Nothing was logged."},
    "measure.logged": {"en": "Logged {value} for *{measure}* on {day}. *{measure}* now has "
                             "{count} reading(s)."},
    "measure.replaced": {"en": "Replaced {old} with {value} for *{measure}* on {day}: there is "
                               "one reading a day. *{measure}* has {count} reading(s)."},
    "measure.logged_many": {"en": "Logged {added} reading(s) for *{measure}*, from {first} to "
                                  "{last}. *{measure}* now has {count} reading(s)."},
    "measure.replaced_many": {"en": "{count} of them replaced a reading already there for that "
                                    "day."},
    "measure.new_measure": {"en": "*{measure}* is a new measure in *{project}*. Say *plan* to "
                                  "record whether it is an outcome, process or balancing "
                                  "measure, and how it is defined."},
    "measure.limit_projects": {"en": "You already have {limit} projects, the most I keep. "
                                     "Nothing was changed."},
    "measure.limit_measures": {"en": "*{project}* already has {limit} measures, the most I "
                                     "keep. Nothing was changed."},
    "measure.limit_readings": {"en": "A measure can hold at most {limit} readings. Nothing was "
                                     "logged."},
    "measure.unknown": {"en": "I can't find a measure called *{measure}* in *{project}*. Your "
                              "measures: {names}."},
    "measure.none": {"en": "You have no measures yet. Start with *log <measure> <value>*, e.g. "
                           "*log falls 3*, or say *plan* to plan your project."},
    "measure.unlog_usage": {"en": "Say which measure and which day: *unlog falls 01/12/2026*."},
    "measure.unlogged": {"en": "Deleted the reading of {value} for *{measure}* on {day}. "
                               "*{measure}* has {count} reading(s)."},
    "measure.no_reading_on": {"en": "*{measure}* has no reading on {day}, so nothing was deleted."},
    "measure.chart_usage": {"en": "Say which measure: *chart falls*."},
    "measure.no_readings": {"en": "*{measure}* has no readings yet: log some with *log "
                                  "{measure} <value>*."},
    "measure.chart_title": {"en": "Run chart: {measure}"},
    "measure.chart_lead": {"en": "*{measure}*: {points} points, median {median}{frozen}."},
    "measure.frozen": {"en": " (frozen on the first {points} points)"},
    "measure.no_signals": {"en": "No signals: the points so far look like random variation "
                                 "around the median."},
    "measure.xmr_offer": {"en": "With {points} points you can also see an XmR chart: *xmr "
                                "{measure}*."},
    "measure.signal_shift": {"en": "{count} points in a row {side} the median {span}: a shift."},
    "measure.signal_trend": {"en": "{count} points in a row going {way} {span}: a trend."},
    "measure.signal_runs_few": {"en": "Too few runs ({runs}, expected at least {low}): a sign "
                                      "of a non-random pattern."},
    "measure.signal_runs_many": {"en": "Too many runs ({runs}, expected at most {high}): a sign "
                                       "of a non-random pattern."},
    "measure.signal_astronomical": {"en": "An unusually {level} value {span}: possibly an "
                                          "astronomical point; look at it and judge."},
    "measure.too_few_points": {"en": "Only {count} points: with fewer than {minimum} the run "
                                     "chart rules are weak."},
    "measure.no_runs_test": {"en": "No runs test: it needs at least {minimum} points off the "
                                   "median ({useful} so far)."},
    "measure.beyond_runs_table": {"en": "No runs test: the published table stops at {maximum} "
                                        "points off the median ({useful} here)."},
    "measure.span_one": {"en": "on {day}"},
    "measure.span_many": {"en": "from {first} to {last}"},
    "measure.word_above": {"en": "above"},
    "measure.word_below": {"en": "below"},
    "measure.word_up": {"en": "up"},
    "measure.word_down": {"en": "down"},
    "measure.word_high": {"en": "high"},
    "measure.word_low": {"en": "low"},
    "measure.months": {"en": "January February March April May June July August September "
                             "October November December"},
    "measure.xmr_title": {"en": "XmR chart: {measure}"},
    "measure.xmr_lead": {"en": "*{measure}*: mean {mean}, process limits {lower} to {upper} "
                               "({points} points)."},
    "measure.xmr_too_few": {"en": "An XmR chart needs at least {minimum} points; *{measure}* "
                                  "has {points}. Keep logging, and use *chart {measure}* "
                                  "meanwhile."},
    "measure.xmr_outside": {"en": "A point {side} the process limits {span}: special cause "
                                  "variation."},
    "measure.xmr_run": {"en": "{count} points in a row {side} the mean {span}: special cause "
                              "variation."},
    "measure.xmr_trend": {"en": "{count} points in a row each going {way} {span}: special cause "
                                "variation."},
    "measure.xmr_near_limit": {"en": "Two of three points close to a process limit {span}: "
                                     "special cause variation."},
    "measure.xmr_none": {"en": "No special causes: the points vary within the process limits "
                               "(common cause variation)."},
    "measure.baseline_usage": {"en": "Say the measure and how many of its first points to "
                                     "freeze the median on: *baseline falls 12* (or *baseline "
                                     "falls off*)."},
    "measure.baseline_range": {"en": "*{measure}* has {count} reading(s): the baseline must be "
                                     "from 1 to {count} points. Nothing was changed."},
    "measure.baseline_set": {"en": "The median of *{measure}* is now frozen on its first "
                                   "{points} points ({median}): new points are judged against "
                                   "it."},
    "measure.baseline_off": {"en": "The median of *{measure}* is no longer frozen: it is worked "
                                   "out from all its points."},
    "measure.list_title": {"en": "Measures in *{project}*:"},
    "measure.list_line": {"en": "• *{measure}* ({kind}): {count} reading(s), latest {value} on "
                                "{day}"},
    "measure.list_line_empty": {"en": "• *{measure}* ({kind}): no readings yet"},
    "measure.kind_outcome": {"en": "outcome"},
    "measure.kind_process": {"en": "process"},
    "measure.kind_balancing": {"en": "balancing"},
    "measure.kind_unknown": {"en": "kind not set"},
    "reading.no_value": {"en": "A value is missing."},
    "reading.value_too_long": {"en": "That value is longer than {limit} characters."},
    "reading.comma": {"en": "'{text}' has a comma, which could be a decimal point or a thousands "
                            "separator: write it with a point, like 12.5, and no thousands "
                            "separators."},
    "reading.not_number": {"en": "'{text}' is not a number."},
    "reading.not_date": {"en": "'{text}' is not a date: write dates as 2026-12-01 or "
                               "01/12/2026."},
    "reading.future": {"en": "'{text}' is in the future: readings can be for today or earlier."},
    "reading.too_many_lines": {"en": "That is {count} lines: at most {limit} readings can be "
                                     "added at once."},
    "reading.nothing": {"en": "There are no readings in that text."},
    "reading.no_date": {"en": "'{text}' has no date: put a date before each value, like "
                              "2026-12-01,14."},
    "reading.shape": {"en": "'{text}' should be a date and a value, like 2026-12-01,14."},
    "reading.line": {"en": "Line {number}: {message}"},
    "chart.median": {"en": "median"},
    "chart.median_baseline": {"en": "median (baseline)"},
    "chart.baseline_end": {"en": "end of baseline"},
    "chart.shift": {"en": "shift"},
    "chart.trend": {"en": "trend"},
    "chart.astronomical": {"en": "unusual point"},
    "chart.mean": {"en": "mean"},
    "chart.limits": {"en": "process limits"},
    "chart.special": {"en": "special cause"},
    "chart.date": {"en": "date"},
    "command.remind": {"en": "a reminder in Slack when a measure has had no reading for that "
                             "long (*stop reminders* to stop)"},
    "nudge.usage": {"en": "Say which measure and how often, e.g. *remind me waits every 2 weeks* "
                          "or *nudge waits weekly* (from 1 to {max} days). *stop reminders* "
                          "stops them."},
    "nudge.set": {"en": "I'll remind you in a Slack direct message whenever *{measure}* has gone "
                        "{period} without a new reading, once each time: the first would be on "
                        "{day}. Reminders are sent in Slack only, not in the terminal. Say *stop "
                        "reminders* to stop."},
    "nudge.stopped": {"en": "Reminders switched off for {measures}."},
    "nudge.none_on": {"en": "You have no reminders switched on. Say e.g. *remind me waits every 2 "
                            "weeks* to start one."},
    "nudge.lapsed": {"en": "You haven't logged *{measure}* for {period}."},
    "nudge.no_readings": {"en": "You asked me for a reminder when *{measure}* goes {period} "
                                "without a reading, and it has no readings yet."},
    "nudge.how": {"en": "Log the latest with *log {measure} <value>*. Say *stop reminders* to stop "
                        "these."},
    "nudge.one_week": {"en": "a week"},
    "nudge.weeks": {"en": "{count} weeks"},
    "nudge.one_day": {"en": "a day"},
    "nudge.days": {"en": "{count} days"},
    "me.reminders": {"en": "*Reminders to log (sent in Slack):*"},
    "me.reminder_line": {"en": "• *{measure}* ({project}): after {period} without a reading, next "
                               "on {day}"},
    "option.chart": {"en": "Chart {measure}"},
    "option.xmr": {"en": "XmR chart of {measure}"},
    "option.not_sure": {"en": "Not sure"},
    "plan.start": {"en": "Let's plan *{project}* with the Model for Improvement. I'll ask a few "
                         "questions and save each answer as you give it. Say *skip* to leave "
                         "one for now, *cancel* to stop."},
    "plan.q_what": {"en": "What are you trying to accomplish? Say what you want to improve, "
                          "e.g. *reduce falls*."},
    "plan.q_who": {"en": "For whom? e.g. *patients on ward 3*."},
    "plan.q_how_much": {"en": "By how much? e.g. *by half*, or *from 12 to 6 a month*."},
    "plan.q_by_when": {"en": "By when? e.g. *March 2027*."},
    "plan.q_know": {"en": "How will you know that a change is an improvement?"},
    "plan.q_change": {"en": "What change can you make that will result in improvement?"},
    "plan.q_measure": {"en": "Name a measure to track (e.g. *falls per 1000 bed days*), or say "
                             "*done*."},
    "plan.q_kind": {"en": "Is *{measure}* an *outcome*, *process* or *balancing* measure? "
                          "(Outcome: the result for people; process: whether the change is "
                          "being done; balancing: what might get worse.)"},
    "plan.kind_again": {"en": "Please answer *outcome*, *process* or *balancing* (or *skip*)."},
    "plan.q_numerator": {"en": "What exactly do you count for *{measure}*? (The numerator, e.g. "
                               "*falls on the ward*.)"},
    "plan.q_denominator": {"en": "Divided by what, or in what unit? (The denominator, e.g. "
                                 "*1000 bed days*, or a unit, e.g. *minutes*.)"},
    "plan.q_source": {"en": "Where does the data come from? (e.g. *Datix reports*)"},
    "plan.q_frequency": {"en": "How often will you measure it? (e.g. *weekly*)"},
    "plan.so_far": {"en": "(Saved so far: {answer}. Answer again to change it, or *skip*.)"},
    "plan.measure_saved": {"en": "Saved *{measure}*."},
    "plan.done": {"en": "That's your plan for *{project}*, saved. Log readings with *log "
                        "<measure> <value>*, see them with *chart <measure>*, and say *export "
                        "plan* for a report."},
    "plan.cancelled": {"en": "OK, stopped. What you answered so far is saved."},
    "plan.gone": {"en": "That project is no longer there, so I've stopped."},
    "pdsa.q_plan": {"en": "What change will you try in this cycle (the plan)?"},
    "pdsa.q_prediction": {"en": "What do you predict will happen?"},
    "pdsa.q_happened": {"en": "What happened when you tried it (do)?"},
    "pdsa.q_learned": {"en": "What did you learn, compared with your prediction (study)?"},
    "pdsa.q_next": {"en": "What will you do next: adopt, adapt or abandon (act)?"},
    "pdsa.started": {"en": "PDSA cycle {cycle} of *{project}* started on {day}."},
    "pdsa.wait": {"en": "Saved. Now try it: when you have, say *pdsa* and I'll ask what happened."},
    "pdsa.finished": {"en": "PDSA cycle {cycle} recorded, finished on {day}. Start the next "
                            "with *pdsa <what you'll try>*."},
    "pdsa.cancelled": {"en": "OK, stopped. The cycle is saved as far as you got; say *pdsa* to "
                             "carry on."},
    "research.intro": {"en": "Is it research, service evaluation or audit? A few questions from "
                             "the HRA decision tool: answer *yes*, *no* or *not sure*."},
    "research.q_randomised": {"en": "Are the participants randomised to different groups?"},
    "research.q_changes_care": {"en": "Does your protocol change treatment or care from "
                                      "accepted standard practice for any of the people "
                                      "involved?"},
    "research.q_generalisable": {"en": "Is it designed to produce generalisable or transferable "
                                       "new knowledge?"},
    "research.q_standard": {"en": "Last one: are you measuring your service against an agreed "
                                  "standard (for example a NICE guideline)?"},
    "research.again": {"en": "Please answer *yes*, *no* or *not sure* (or *cancel*)."},
    "research.outcome_research": {"en": "From your answers, Pathway's guide says: *research*. "
                                        "You are likely to need HRA and Health and Care "
                                        "Research Wales (HCRW) Approval, a favourable opinion "
                                        "from an NHS Research Ethics Committee, and your health "
                                        "board's R&D office to confirm capacity and capability "
                                        "before you start. Talk to your R&D office early."},
    "research.outcome_service_evaluation": {"en": "From your answers, Pathway's guide says: "
                                                  "*service evaluation*. It does not need NHS "
                                                  "research ethics review or HRA Approval, but "
                                                  "register it with your health board's "
                                                  "clinical audit, quality improvement or "
                                                  "service evaluation team as local policy "
                                                  "asks, and check information governance if "
                                                  "you use patient data."},
    "research.outcome_audit": {"en": "From your answers, Pathway's guide says: *clinical "
                                     "audit*. It does not need NHS research ethics review or "
                                     "HRA Approval; register it with your health board's "
                                     "clinical audit department, and check information "
                                     "governance if you use patient data."},
    "research.outcome_unclear": {"en": "From your answers, Pathway can't tell yet: *unclear*. "
                                       "Answer the HRA decision tool's questions in full, and "
                                       "ask your health board's R&D office before you start."},
    "research.final_word": {"en": "Pathway's answer is a guide: the HRA decision tool decides. "
                                  "{url}"},
    "research.cancelled": {"en": "OK, stopped. Nothing was recorded."},
    "export.title": {"en": "Improvement plan: {project}"},
    "export.done": {"en": "Your plan for *{project}*, as a Markdown file: *{filename}*."},
    "export.none": {"en": "You have no project to export yet: say *plan* to start one."},
    "export.not_yet": {"en": "Not recorded yet."},
    "export.aim": {"en": "Aim"},
    "export.aim_what": {"en": "What"},
    "export.aim_who": {"en": "For whom"},
    "export.aim_how_much": {"en": "How much"},
    "export.aim_by_when": {"en": "By when"},
    "export.questions": {"en": "The Model for Improvement"},
    "export.q_accomplish": {"en": "What are we trying to accomplish?"},
    "export.q_know": {"en": "How will we know that a change is an improvement?"},
    "export.q_change": {"en": "What change can we make that will result in improvement?"},
    "export.measures": {"en": "Measures"},
    "export.def_numerator": {"en": "Numerator"},
    "export.def_denominator": {"en": "Denominator"},
    "export.def_unit": {"en": "Unit"},
    "export.def_source": {"en": "Source"},
    "export.def_frequency": {"en": "Frequency"},
    "export.baseline": {"en": "Median frozen on the first points"},
    "export.date": {"en": "Date"},
    "export.value": {"en": "Value"},
    "export.pdsa": {"en": "PDSA cycles"},
    "export.pdsa_cycle": {"en": "Cycle {cycle} ({started} to {finished})"},
    "export.pdsa_plan": {"en": "Plan"},
    "export.pdsa_prediction": {"en": "Prediction"},
    "export.pdsa_happened": {"en": "What happened"},
    "export.pdsa_learned": {"en": "What we learned"},
    "export.pdsa_next": {"en": "Next"},
    "export.research": {"en": "Research, service evaluation or audit?"},
    # --- admin commands ---------------------------------------------------------------------
    "admin.refused": {"en": "Sorry, admin commands are only for the Pathway admin team. Ask your "
                            "innovation team if you need access."},
    "admin.unknown": {"en": "Unknown admin command '{name}'.\n{help}"},
    "admin.help_title": {"en": "Admin commands:"},
    # Each admin command's description in help: the English must equal its @command mark.
    "admin_command.help": {"en": "this list"},
    "admin_command.status": {"en": "knowledge base version, entry counts, last reload, uptime, "
                                   "and each instance serving"},
    "admin_command.reload": {"en": "load the knowledge base files again now, on every instance"},
    "admin_command.unanswered": {"en": "questions declined or answered with low confidence, "
                                       "grouped (default 30 days)"},
    "admin_command.feedback": {"en": "answers with the most \"didn't help\" votes"},
    "admin_command.export": {"en": "the reports above as CSV for a spreadsheet"},
    "admin_command.outbox": {"en": "referrals written to the local outbox (terminal mode)"},
    "admin.status_kb": {"en": "Knowledge base: version {version}, loaded {loaded}"},
    "admin.status_entries": {"en": "Entries: {stages} stages, {organisations} organisations, "
                                   "{topics} topics, {guides} evaluation guides, {examples} "
                                   "examples"},
    "admin.status_reload": {"en": "Last reload: {reload}"},
    "admin.status_reload_none": {"en": "none since start"},
    "admin.status_reload_ok": {"en": "ok ({count} problem(s))"},
    "admin.status_reload_rejected": {"en": "REJECTED ({count} problem(s))"},
    "admin.status_users": {"en": "Users with saved progress: {count}"},
    "admin.status_uptime": {"en": "Uptime: {uptime}"},
    "admin.status_instances": {"en": "Instances on this database ({live} running):"},
    "admin.status_instances_none": {"en": "Instances: none is serving Slack from this database "
                                          "right now."},
    "admin.status_instance": {"en": "  {name}{this} ({mode}): version {version}, loaded "
                                    "{loaded}, last heard {ago} ago"},
    "admin.status_instance_gone": {"en": "  {name}{this} ({mode}): stopped or lost, last heard "
                                         "{ago} ago (was serving version {version})"},
    "admin.status_instance_this": {"en": " (this one)"},
    "admin.status_versions_differ": {"en": "Warning: the running instances serve different "
                                           "versions ({versions}). Run reload, or check each "
                                           "host's knowledge files."},
    "admin.reloaded": {"en": "Reloaded: version {version}, {topics} topics and guides, "
                             "{organisations} organisations."},
    "admin.reload_rejected": {"en": "Reload rejected; still serving version {version}. "
                                    "Problems:"},
    "admin.reload_no_others": {"en": "No other instance is serving from this database."},
    "admin.reload_others": {"en": "The other instances, asked to reload too:"},
    "admin.reload_other_ok": {"en": "  {name}: now serving version {version}"},
    "admin.reload_other_rejected": {"en": "  {name}: rejected the files, still serving version "
                                          "{version} (its log has the problems)"},
    "admin.reload_other_silent": {"en": "  {name}: no answer within {seconds} s (serving version "
                                        "{version} when last heard); status will show it"},
    "admin.reload_others_failed": {"en": "I couldn't ask the other instances to reload ({error}); "
                                         "they still reload when their files change, or on "
                                         "SIGHUP."},
    "admin.unanswered_none": {"en": "No declined or low-confidence questions in the last {days} "
                                    "days."},
    "admin.unanswered_title": {"en": "Questions declined or answered with low confidence, last "
                                     "{days} days ({count} in {groups} groups):"},
    "admin.closest": {"en": "closest: {id} ({score:.0f})"},
    "admin.closest_none": {"en": "closest: none"},
    "admin.off_topic_like": {"en": "declined as off-topic, like \"{question}\" "
                                   "(off_topic_questions.yaml)"},
    "admin.feedback_none": {"en": "No feedback votes in the last {days} days."},
    "admin.feedback_title": {"en": "Feedback, last {days} days (didn't help / helped):"},
    "admin.export": {"en": "Export of the last {days} days: {rows} row(s)."},
    "admin.outbox_empty": {"en": "The outbox is empty: no referrals written locally."},
    "admin.outbox_title": {"en": "Referrals in the outbox ({path}):"},
    "admin.bad_days": {"en": "'{text}' is not a number of days; use a whole number from 1 to "
                             "{max}, e.g. 'unanswered 7'."},
    "admin.csv_title": {"en": "Pathway report"},
    "admin.csv_written": {"en": "{text} Written to {path}."},
    "admin.csv_sent": {"en": "{text} The CSV file is in your direct messages with Pathway."},
    "admin.csv_failed": {"en": "{text} I couldn't upload the CSV file ({error}); check the app "
                               "has files:write."},
}

# Each language's usable translations from its .po, and which keys lack one (for ``check``).
COVERAGE: dict[str, Coverage] = {lang: fill_translations(CATALOGUE, lang) for lang in LANGUAGES}


def say(key: str, lang: str = "en", **values: Any) -> str:
    """The catalogue text for ``key`` in ``lang`` (English fallback), with values filled in."""
    entry = CATALOGUE[key]
    template = entry.get(lang) or entry["en"]
    return template.format(**values) if values else template

"""Social criticism of drafts (phản biện xã hội, issue 14 §2).

A draft of a decision, plan or policy of the People's Council or Committee is received from
its drafting agency (documents in evidence storage, the deadline for the Front's opinion, the
form: written opinions, a criticism conference, a dialogue). The law gives the Front a
minimum time before that deadline (``deadlines`` policy, ``social_criticism`` /
``criticism_lead``); a draft received later is flagged. Opinions come from member
organisations and experts (entered by officers) and, while the Front opens a consultation,
from the public through the portal (``/gop-y-du-thao/{code}``), moderated. The Front issues
its criticism (numbered, ``Số: N/PB-MTTQ``), each point of it a referral to the drafting
agency (``replies``, item type ``criticism_point``), answered per point in the agency's
inbox; the outcome is made public when the Front decides.
"""

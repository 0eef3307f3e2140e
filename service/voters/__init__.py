"""Voter meetings (tiếp xúc cử tri) and the session petition ledger (issue 14 §1).

Council sessions, the meetings of delegates with voters before and after them, the voters'
opinions (typed or imported from the minutes spreadsheet), their compilation per session into
recommendations that keep every source, and the recommendations routed to agencies as
referrals (``replies``, item type ``voter_recommendation``).
"""
